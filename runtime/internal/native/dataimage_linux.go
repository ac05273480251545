package native

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// DataImage is the initial contents of a module's linear memory (its active
// data segments applied in order) in a sealed memfd, so that an instance
// maps it copy-on-write over its memory instead of copying the segments:
// one mmap per run of pages with data, whatever their number, and pages the
// guest only reads are shared by every instance. The memfd is written once,
// from the verified artifact in private memory, and sealed against writes,
// growing and shrinking before any instance maps it: nothing can change it
// afterwards, not even this process.
type DataImage struct {
	mu     sync.Mutex
	fd     int // -1 once closed
	runs   []pageRun
	end    uintptr // the end of the last run: memories mapping the image have at least this many bytes
	mapped int     // bytes in runs
}

// pageRun is a page-aligned range of a linear memory, [off, end), that
// holds data; the memfd holds it at the same offset.
type pageRun struct{ off, end uintptr }

// DataSegment is an active data segment with a constant offset.
type DataSegment struct {
	Offset uint32
	Bytes  []byte
}

// maxImageRuns bounds the mmaps an instance makes for its image; runs
// closer than imageGap are merged (the pages between read as zero).
const (
	maxImageRuns = 64
	imageGap     = 16 << 10
)

// NewDataImage makes the image of segs written in order into a memory of
// size bytes; every segment must fit.
func NewDataImage(segs []DataSegment, size uintptr) (*DataImage, error) {
	ps := uintptr(os.Getpagesize())
	var runs []pageRun
	for i, s := range segs {
		if len(s.Bytes) == 0 {
			continue
		}
		off, end := uintptr(s.Offset), uintptr(s.Offset)+uintptr(len(s.Bytes))
		if end > size {
			return nil, fmt.Errorf("data segment %d (%d bytes at %d) does not fit a memory of %d bytes", i, len(s.Bytes), s.Offset, size)
		}
		runs = addRun(runs, pageRun{off &^ (ps - 1), roundUp(end, ps)})
	}
	runs = mergeRuns(runs, imageGap)
	if len(runs) == 0 {
		return nil, errors.New("data image: no data")
	}
	if len(runs) > maxImageRuns {
		return nil, fmt.Errorf("not supported: data image of %d separate runs of pages (at most %d)", len(runs), maxImageRuns)
	}
	end := runs[len(runs)-1].end
	if end > size {
		// The last page reaches past the memory: only with pages larger
		// than a wasm page's end alignment, which Linux does not have.
		return nil, fmt.Errorf("data image of %d bytes does not fit a memory of %d bytes", end, size)
	}
	fd, err := unix.MemfdCreate("wasiaot-data", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("data image: memfd_create: %w", err)
	}
	img := &DataImage{fd: fd, runs: runs, end: end}
	if err := img.fill(segs); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("data image: %w", err)
	}
	for _, r := range runs {
		img.mapped += int(r.end - r.off)
	}
	return img, nil
}

// fill sizes the memfd, writes the segments through a shared mapping and
// seals it. Only the runs' pages are written: the rest of the file stays a
// hole, never mapped.
func (img *DataImage) fill(segs []DataSegment) error {
	if err := syscall.Ftruncate(img.fd, int64(img.end)); err != nil {
		return fmt.Errorf("ftruncate: %w", err)
	}
	b, err := syscall.Mmap(img.fd, 0, int(img.end), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return fmt.Errorf("mmap: %w", err)
	}
	for _, s := range segs {
		copy(b[s.Offset:], s.Bytes)
	}
	// The seal refuses while a writable shared mapping exists.
	if err := syscall.Munmap(b); err != nil {
		return fmt.Errorf("munmap: %w", err)
	}
	seals := unix.F_SEAL_WRITE | unix.F_SEAL_GROW | unix.F_SEAL_SHRINK | unix.F_SEAL_SEAL
	if _, err := unix.FcntlInt(uintptr(img.fd), unix.F_ADD_SEALS, seals); err != nil {
		return fmt.Errorf("sealing the memfd: %w", err)
	}
	got, err := unix.FcntlInt(uintptr(img.fd), unix.F_GET_SEALS, 0)
	if err != nil || got&seals != seals {
		return fmt.Errorf("sealing the memfd: seals %#x, want %#x (%v)", got, seals, err)
	}
	return nil
}

// addRun appends r, merging it with the last run when they touch or
// overlap (segments usually come in address order).
func addRun(runs []pageRun, r pageRun) []pageRun {
	if n := len(runs); n > 0 && r.off <= runs[n-1].end && r.end >= runs[n-1].off {
		runs[n-1] = pageRun{min(r.off, runs[n-1].off), max(r.end, runs[n-1].end)}
		return runs
	}
	return append(runs, r)
}

// mergeRuns sorts runs and merges those less than gap apart.
func mergeRuns(runs []pageRun, gap uintptr) []pageRun {
	slices.SortFunc(runs, func(a, b pageRun) int { return cmp.Compare(a.off, b.off) })
	out := runs[:0]
	for _, r := range runs {
		if n := len(out); n > 0 && r.off <= out[n-1].end+gap {
			out[n-1].end = max(out[n-1].end, r.end)
			continue
		}
		out = append(out, r)
	}
	return out
}

// Size is the bytes of memory the image covers, from 0: a memory it is
// mapped into must be at least this large.
func (img *DataImage) Size() uintptr { return img.end }

// MappedBytes is the bytes of pages an instance maps from the image.
func (img *DataImage) MappedBytes() int { return img.mapped }

// Close closes the memfd. Memories that map the image keep their mappings
// (the kernel holds the file until they go); none can map it again.
func (img *DataImage) Close() error {
	img.mu.Lock()
	defer img.mu.Unlock()
	if img.fd < 0 {
		return nil
	}
	err := syscall.Close(img.fd)
	img.fd = -1
	return err
}

// mapInto maps the image copy-on-write over mem, a read+write memory of at
// least Size bytes.
func (img *DataImage) mapInto(mem []byte) error {
	img.mu.Lock()
	defer img.mu.Unlock()
	if img.fd < 0 {
		return errors.New("data image is closed")
	}
	for i, r := range img.runs {
		if err := mmapFixed(mem[r.off:r.end], syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_FIXED, img.fd, int64(r.off)); err != nil {
			// Leave no run half-mapped: the memory must read as zero
			// or as the whole image.
			img.unmapFrom(mem[:img.runs[i].end])
			return fmt.Errorf("mapping the data image: %w", err)
		}
	}
	return nil
}

// reset makes mem, which maps the image, read as the image again: dropping
// a private file mapping's pages brings back the file's.
func (img *DataImage) reset(mem []byte) error {
	for _, r := range img.runs {
		if err := madvise(mem[r.off:r.end]); err != nil {
			return err
		}
	}
	return nil
}

// unmapFrom puts fresh zero pages (read+write) where mem maps the image.
func (img *DataImage) unmapFrom(mem []byte) error {
	var err error
	for _, r := range img.runs {
		if r.end > uintptr(len(mem)) {
			break
		}
		err = errors.Join(err, mapAnonFixed(mem[r.off:r.end], syscall.PROT_READ|syscall.PROT_WRITE))
	}
	return err
}

// outside calls f with the parts of used that the image does not cover.
func (img *DataImage) outside(used []byte, f func([]byte)) {
	at := uintptr(0)
	for _, r := range img.runs {
		if r.off >= uintptr(len(used)) {
			break
		}
		if r.off > at {
			f(used[at:r.off])
		}
		at = r.end
	}
	if at < uintptr(len(used)) {
		f(used[at:])
	}
}
