package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	flag "github.com/spf13/pflag"

	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// defaultMaxInput bounds every file wasiaot reads (module, text module,
// artifact), so /dev/zero or an endless pipe is an error rather than all
// memory used. --max-input changes it.
const defaultMaxInput = 256 << 20

// sizeFlag is a byte count given as a number with an optional K, M or G
// (powers of 1024).
type sizeFlag int64

func (s *sizeFlag) String() string {
	n := int64(*s)
	for _, u := range []struct {
		suffix string
		mul    int64
	}{{"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}} {
		if n >= u.mul && n%u.mul == 0 {
			return strconv.FormatInt(n/u.mul, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

func (s *sizeFlag) Type() string { return "SIZE" }

func (s *sizeFlag) Set(v string) error {
	mul := int64(1)
	switch {
	case strings.HasSuffix(v, "K"):
		mul, v = 1<<10, strings.TrimSuffix(v, "K")
	case strings.HasSuffix(v, "M"):
		mul, v = 1<<20, strings.TrimSuffix(v, "M")
	case strings.HasSuffix(v, "G"):
		mul, v = 1<<30, strings.TrimSuffix(v, "G")
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mul {
		return fmt.Errorf("want a positive size such as 4096, 64M or 1G")
	}
	*s = sizeFlag(n * mul)
	return nil
}

func addMaxInputFlag(fs *flag.FlagSet) *sizeFlag {
	s := sizeFlag(defaultMaxInput)
	fs.Var(&s, "max-input", "refuse input files larger than SIZE bytes (K, M, G suffixes)")
	return &s
}

// readInput reads the file at path, refusing more than limit bytes. A
// regular file is checked by its size first; a pipe or device is read up
// to the limit. sniff, if not nil, sees the first bytes and may refuse
// them (a device of zeros is not a module).
func readInput(path string, limit int64, sniff func(head []byte) error) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory", path)
	}
	if st.Mode().IsRegular() && st.Size() > limit {
		return nil, fmt.Errorf("%s: %d bytes exceeds the input limit of %d bytes (--max-input)", path, st.Size(), limit)
	}
	head := make([]byte, 4096)
	n, err := io.ReadFull(f, head)
	head = head[:n]
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, err
	}
	if sniff != nil {
		if err := sniff(head); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if n < 4096 {
		return head, nil
	}
	// Read into one buffer of the file's size (plus one byte, to see the
	// end), not into a growing one copied again at the end: a module of
	// 30 MB would cost three times its size.
	hint := int64(64 << 10)
	if st.Mode().IsRegular() {
		hint = st.Size() + 1
	}
	b := make([]byte, n, max(int64(n)+1, min(hint, limit+1)))
	copy(b, head)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		m, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		if int64(len(b)) > limit {
			return nil, fmt.Errorf("%s: more than the input limit of %d bytes (--max-input)", path, limit)
		}
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// sniffModule refuses what is neither a binary module nor text: an empty
// file, or bytes with a NUL that do not start with the wasm magic.
func sniffModule(head []byte) error {
	switch {
	case len(head) == 0:
		return errors.New("empty file: not a WebAssembly module (a binary module starts with \\0asm)")
	case bytes.HasPrefix(head, []byte("\x00asm")):
		return nil
	case bytes.IndexByte(head, 0) >= 0:
		return errors.New("not a WebAssembly module: no \\0asm magic, and not text")
	}
	return nil
}

// sniffArtifact refuses what does not start like an ELF file, with the
// artifact reader's own error.
func sniffArtifact(head []byte) error {
	if bytes.HasPrefix(head, []byte("\x7fELF")) {
		return nil
	}
	_, err := artifact.Parse(head)
	return err
}

// writeOutput writes data to path as a new regular file: through a
// temporary file in the same directory, renamed over path, so no reader
// ever sees half of it. "-" is standard output. It refuses to replace
// anything but a regular file (a device, FIFO, socket or directory), and
// follows a symbolic link only to a regular file the user owns.
func writeOutput(stdout io.Writer, path string, data []byte, perm os.FileMode) error {
	if path == "-" {
		_, err := stdout.Write(data)
		return err
	}
	target, err := outputTarget(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(perm)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), target)
}

// outputTarget is the file writeOutput replaces for path, or why it may
// not.
func outputTarget(path string) (string, error) {
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return path, nil
	}
	if err != nil {
		return "", err
	}
	if st.Mode()&fs.ModeSymlink != 0 {
		target, err := filepath.EvalSymlinks(path)
		if err != nil {
			return "", fmt.Errorf("%s is a symbolic link that does not lead to a file: refusing to write through it", path)
		}
		tst, err := os.Stat(target)
		if err != nil {
			return "", err
		}
		if !tst.Mode().IsRegular() {
			return "", fmt.Errorf("%s leads to %s, %s: refusing to replace it", path, target, kindOf(tst.Mode()))
		}
		if sys, ok := tst.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() {
			return "", fmt.Errorf("%s leads to %s, which belongs to another user: refusing to replace it", path, target)
		}
		return target, nil
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s is %s: refusing to replace it (write to a regular file, or -o - for standard output)", path, kindOf(st.Mode()))
	}
	return path, nil
}

func kindOf(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "not a regular file"
}
