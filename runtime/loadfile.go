package runtime

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/wasiaot/wasiaot/runtime/artifact"
	"github.com/wasiaot/wasiaot/runtime/internal/native"
)

// LoadFile reads the artifact at path into fresh memory, checks it there
// (digests, signature when Config.TrustedKeys asks for one, this machine)
// and makes that memory the code: the bytes checked are the bytes run, and
// later writes to the file change nothing.
//
// The image is shared: a file this process has loaded before, and that has
// not changed since, is not read again; LoadFile then costs one stat of
// path (see the package doc, "Artifact files").
func (r *Runtime) LoadFile(path string) (*Module, error) {
	var st syscall.Stat_t
	if statPath(path, &st) == nil && regular(&st) {
		if img := images.acquire(keyOf(&st), r.host); img != nil {
			if err := r.trusts(img); err != nil {
				images.release(img)
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			if r.cfg.PerfMap {
				if err := img.writePerfMap(); err != nil {
					images.release(img)
					return nil, err
				}
			}
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
	if !regular(&st) {
		// A pipe or a device: read what it gives, within the limit.
		b, err := readLimited(fdReader{fd}, r.cfg.MaxArtifactSize)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		m, err := r.Load(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return m, nil
	}
	img, err := r.loadImage(st.Size, func(mem []byte) (int, error) {
		n, err := (fileReader{fd}).ReadAt(mem, 0)
		if err == io.EOF {
			err = nil // truncated since the stat: the parser says so precisely
		}
		return n, err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	img.key, img.size = keyOf(&st), st.Size
	m := r.moduleOf(img.art, img.info)
	images.add(img, start)
	m.use(img)
	return m, nil
}

// use makes img the code of m.
func (m *Module) use(img *image) {
	m.img, m.text, m.rodata = img, img.text, img.rodata
}

// loadImage makes the image of an artifact of size bytes that fill reads
// into the memory it is given, parsed and checked in that memory. A small
// artifact is read into the heap and its .text and .rodata copied to fresh
// code pages once checked; a large one is read straight into code pages,
// which become read+execute (.text) and read-only (.rodata) once checked,
// the rest given back. Either way what runs is what was checked, in memory
// no one else writes. The image it returns has one reference.
func (r *Runtime) loadImage(size int64, fill func(mem []byte) (int, error)) (*image, error) {
	if size > r.cfg.MaxArtifactSize {
		return nil, fmt.Errorf("artifact of %d bytes exceeds the limit of %d bytes (Config.MaxArtifactSize)", size, r.cfg.MaxArtifactSize)
	}
	if size <= smallImage {
		b := make([]byte, size)
		n, err := fill(b)
		if err != nil {
			return nil, fmt.Errorf("reading: %w", err)
		}
		return r.checkImage(b[:n], nil)
	}
	code, err := native.NewImage(int(size))
	if err != nil {
		return nil, err
	}
	mem := code.Bytes()[:size]
	n, err := fill(mem)
	if err != nil {
		code.Release()
		return nil, fmt.Errorf("reading: %w", err)
	}
	img, err := r.checkImage(mem[:n], code)
	if err != nil {
		code.Release()
		return nil, err
	}
	return img, nil
}

// smallImage is the largest artifact loadImage reads into the heap: below
// it, copying .text is cheaper than giving back the pages around it. A
// variable for tests.
var smallImage int64 = 1 << 20

// checkImage parses and checks the artifact file b and makes its code
// runnable: from code, the pages b is in, or else from a copy of b.
func (r *Runtime) checkImage(b []byte, code *native.Code) (_ *image, err error) {
	a, err := artifact.ParseWith(b, artifact.Options{LazySites: true})
	if err != nil {
		return nil, err
	}
	img := &image{art: a, host: r.host, refs: 1}
	if err := r.trusts(img); err != nil {
		return nil, err
	}
	if err := artifact.Verify(a, r.host); err != nil {
		return nil, err
	}
	if img.info, err = describe(a); err != nil {
		return nil, err
	}
	l := a.Layout
	if l.TextSize == 0 {
		img.rodata = bytes.Clone(a.Rodata)
		a.Text, a.Rodata = nil, nil
		if code != nil {
			return img, code.Release()
		}
		return img, nil
	}
	a.Text, a.Rodata = nil, nil
	span := imageSpan(l)
	if span == 0 || l.RodataSize > 0 && l.RodataOffset-l.TextOffset != l.RodataAddr-l.TextAddr {
		return nil, fmt.Errorf("not supported: segment layout (.text %#x at %#x, .rodata %#x at %#x)", l.TextAddr, l.TextOffset, l.RodataAddr, l.RodataOffset)
	}
	if code == nil {
		if code, err = native.LoadCode(b[l.TextOffset : l.TextOffset+span]); err != nil {
			return nil, err
		}
		defer func() {
			if err != nil {
				code.Release()
			}
		}()
	} else {
		if err := code.Trim(int(l.TextOffset), int(span)); err != nil {
			return nil, err
		}
		if err := code.Seal(); err != nil {
			return nil, err
		}
	}
	img.code = code
	if img.text, img.rodata, err = mapped(code, l); err != nil {
		return nil, err
	}
	if r.cfg.PerfMap {
		if err := img.writePerfMap(); err != nil {
			return nil, err
		}
	}
	return img, nil
}

// trusts checks that img is signed by a key of Config.TrustedKeys, if
// the Runtime requires one.
func (r *Runtime) trusts(img *image) error {
	if len(r.cfg.TrustedKeys) == 0 {
		return nil
	}
	// Checked once per image, by the first Runtime that asks: one ed25519
	// verification of the digest table, whose digests the load checked.
	img.signerOnce.Do(func() {
		if s := img.art.Signature; s != nil && img.art.SignedBy([]ed25519.PublicKey{s.PublicKey[:]}) == nil {
			img.signer = ed25519.PublicKey(s.PublicKey[:])
		}
	})
	if img.signer != nil {
		for _, k := range r.cfg.TrustedKeys {
			if img.signer.Equal(k) {
				return nil
			}
		}
	}
	// Say precisely why not.
	if err := img.art.SignedBy(r.cfg.TrustedKeys); err != nil {
		return err
	}
	return errors.New("artifact: signature not accepted")
}

// readLimited reads r to its end, or fails once it gives more than limit
// bytes.
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	// Not an ELF file (/dev/zero, say): say so after its first bytes.
	head := make([]byte, 64)
	n, err := io.ReadFull(r, head)
	if err == io.EOF || err == io.ErrUnexpectedEOF || n == 64 && string(head[:4]) != "\x7fELF" {
		_, err := artifact.Parse(head[:n])
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	rest, err := io.ReadAll(io.LimitReader(r, limit+1-64))
	if err != nil {
		return nil, err
	}
	b := append(head, rest...)
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("input exceeds the limit of %d bytes (Config.MaxArtifactSize)", limit)
	}
	return b, nil
}

// fdReader reads a file descriptor that may not seek (a pipe, a device).
type fdReader struct{ fd int }

func (f fdReader) Read(b []byte) (int, error) {
	for {
		n, err := syscall.Read(f.fd, b)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return 0, err
		case n == 0 && len(b) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

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
