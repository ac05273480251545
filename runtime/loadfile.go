package runtime

import (
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/wasiaot/wasiaot/runtime/artifact"
	"github.com/wasiaot/wasiaot/runtime/internal/native"
)

// LoadFile parses and verifies the artifact at path and maps its code from
// the file, so that perf and debuggers can symbolise it.
//
// The mapping is shared: a file this process has mapped before, and that
// has not changed since, is not read or mapped again; LoadFile then costs
// one stat of path (see the package doc, "Artifact files").
func (r *Runtime) LoadFile(path string) (*Module, error) {
	var st syscall.Stat_t
	if statPath(path, &st) == nil && regular(&st) {
		if img := images.acquire(keyOf(&st), r.host); img != nil {
			m := r.moduleOf(img.art, img.info)
			m.use(img)
			return m, nil
		}
	}
	fd, err := openFile(path)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	// Taken before the file is read: see imageCache.add.
	start := time.Now()
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	a, err := readArtifact(fd, st.Size, path)
	if err != nil {
		return nil, err
	}
	if err := artifact.Verify(a, r.host); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	info, err := describe(a)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	img, err := mapImage(fd, a)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	img.key, img.host, img.size, img.info = keyOf(&st), r.host, st.Size, info
	m := r.moduleOf(a, info)
	if regular(&st) {
		images.add(img, start)
	}
	m.use(img)
	return m, nil
}

// use makes img the code of m.
func (m *Module) use(img *image) {
	m.img, m.text, m.rodata = img, img.text, img.rodata
}

// readArtifact parses the artifact in the size bytes of fd.
func readArtifact(fd int, size int64, path string) (*artifact.Artifact, error) {
	var a *artifact.Artifact
	var err error
	lazy := artifact.Options{LazySites: true}
	if size <= wholeFileSize {
		// One read instead of one per header and section.
		b := make([]byte, size)
		if n, rerr := (fileReader{fd}).ReadAt(b, 0); rerr == io.EOF {
			b = b[:n] // truncated since the stat: Parse says so precisely
		} else if rerr != nil {
			return nil, &os.PathError{Op: "read", Path: path, Err: rerr}
		}
		a, err = artifact.ParseWith(b, lazy)
		if a != nil {
			a.Text, a.Rodata = nil, nil // mapped from the file instead
		}
	} else {
		a, err = artifact.ParseReaderAtWith(fileReader{fd}, size, lazy)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// mapImage maps the code of the verified artifact a from fd, or reads its
// .rodata if it has no code. The image it returns has one reference.
func mapImage(fd int, a *artifact.Artifact) (*image, error) {
	img := &image{art: a, refs: 1}
	l := a.Layout
	if l.TextSize > 0 {
		span := imageSpan(l)
		if span == 0 || l.RodataSize > 0 && l.RodataOffset-l.TextOffset != l.RodataAddr-l.TextAddr {
			return nil, fmt.Errorf("not supported: segment layout (.text %#x at %#x, .rodata %#x at %#x)", l.TextAddr, l.TextOffset, l.RodataAddr, l.RodataOffset)
		}
		code, err := native.MapCode(uintptr(fd), int64(l.TextOffset), int(span))
		if err != nil {
			return nil, err
		}
		if img.text, img.rodata, err = mapped(code, l); err != nil {
			return nil, err
		}
		img.code = code
	} else if l.RodataSize > 0 {
		img.rodata = make([]byte, l.RodataSize)
		if _, err := (fileReader{fd}).ReadAt(img.rodata, int64(l.RodataOffset)); err != nil {
			return nil, fmt.Errorf("reading .rodata: %w", err)
		}
	}
	return img, nil
}

// wholeFileSize is the largest artifact LoadFile reads in one piece; larger
// ones are read a header and a section at a time. A variable for tests.
var wholeFileSize int64 = 256 << 10

// statPath stats path, following symbolic links as open does.
func statPath(path string, st *syscall.Stat_t) error {
	for {
		err := syscall.Stat(path, st)
		if err != syscall.EINTR {
			return err
		}
	}
}

func regular(st *syscall.Stat_t) bool { return st.Mode&syscall.S_IFMT == syscall.S_IFREG }

// openFile opens path for reading with plain system calls: an *os.File
// would also register it with the poller and stat it again.
func openFile(path string) (int, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return -1, &os.PathError{Op: "open", Path: path, Err: err}
		}
		return fd, nil
	}
}

// fileReader reads a file descriptor with pread.
type fileReader struct{ fd int }

func (f fileReader) ReadAt(b []byte, off int64) (int, error) {
	n := 0
	for n < len(b) {
		k, err := syscall.Pread(f.fd, b[n:], off+int64(n))
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return n, err
		case k == 0:
			return n, io.EOF
		}
		n += k
	}
	return n, nil
}
