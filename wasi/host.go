package wasi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ModuleName is the import module of every function in Functions.
const ModuleName = "wasi_snapshot_preview1"

// Memory is the guest's linear memory during one host call. Bytes returns the
// current backing slice; it can change after anything that grows memory, so
// never keep it across calls.
type Memory interface{ Bytes() []byte }

// ValType is a wasm value type in its binary encoding.
type ValType byte

const (
	ValI32 ValType = 0x7F
	ValI64 ValType = 0x7E
)

// Func is one host function. Params are read from stack[0:len(Params)];
// results are written to stack[0:len(Results)]. A non-nil error aborts the
// guest: *ExitError for proc_exit, anything else is a host failure.
type Func struct {
	Name            string
	Params, Results []ValType
	Call            func(ctx context.Context, mem Memory, stack []uint64) error
}

// ExitError is returned by proc_exit.
type ExitError struct{ Code uint32 }

func (e *ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// Preopen maps a host directory to the path the guest knows it by.
type Preopen struct {
	HostPath, GuestPath string
	ReadOnly            bool
}

// Config describes what the guest gets.
type Config struct {
	Args      []string
	Env       []string // "K=V"
	Stdin     io.Reader
	Stdout    io.Writer
	Stderr    io.Writer
	Preopens  []Preopen
	Listeners []net.Listener                 // preopened sockets, fds after the directories
	Walltime  func() (sec int64, nsec int32) // nil = real clock
	Nanotime  func() int64                   // nil = real monotonic clock
	Random    io.Reader                      // nil = crypto/rand
}

// Host holds one guest's WASI state: its fd table, args, environment and
// clocks. Its functions may be called from one goroutine at a time.
type Host struct {
	cfg   Config
	args  []byte // NUL-terminated strings, back to back
	env   []byte
	nargs uint32
	nenv  uint32
	start time.Time

	mu  sync.Mutex
	fds []*fileEntry // index = guest fd; nil = free

	// roots are the preopens' root directories, held apart from the
	// guest's fds so that closing a preopen leaves the fds opened beneath
	// it able to resolve absolute symlinks.
	roots []*preopenRoot

	// wakeFd is an eventfd that wakes blocking host calls when their
	// context is cancelled (see waitFds); -1 until first needed.
	wakeFd int
}

// preopenRoot is the host directory of one preopen, where absolute
// symlink targets met beneath it start.
type preopenRoot struct{ fd int }

// New builds a Host. Errors name the preopen or listener that is unusable.
func New(cfg Config) (*Host, error) {
	h := &Host{cfg: cfg, start: time.Now(), wakeFd: -1}
	// Sized once, in one piece: a server makes a Host per request.
	la, le := joinedLen(cfg.Args), joinedLen(cfg.Env)
	buf := make([]byte, 0, la+le)
	h.args, h.env = buf[:0:la], buf[la:la:la+le]
	for _, a := range cfg.Args {
		if err := checkNoNUL("argument", a); err != nil {
			return nil, err
		}
		h.args = append(append(h.args, a...), 0)
	}
	h.nargs = uint32(len(cfg.Args))
	for _, e := range cfg.Env {
		if err := checkNoNUL("environment variable", e); err != nil {
			return nil, err
		}
		h.env = append(append(h.env, e...), 0)
	}
	h.nenv = uint32(len(cfg.Env))

	h.fds = make([]*fileEntry, 0, 3+len(cfg.Preopens)+len(cfg.Listeners))
	std := new([3]fileEntry)
	h.fds = append(h.fds,
		newStdio(&std[0], cfg.Stdin, nil, true),
		newStdio(&std[1], nil, cfg.Stdout, false),
		newStdio(&std[2], nil, cfg.Stderr, false))
	for i, p := range cfg.Preopens {
		e, err := openPreopen(p)
		if err == nil {
			e.root, err = newPreopenRoot(e.hostFd)
			if err != nil {
				e.close()
			}
		}
		if err != nil {
			h.Close()
			return nil, fmt.Errorf("wasi: preopen %d (%q): %w", i, p.HostPath, err)
		}
		h.roots = append(h.roots, e.root)
		h.fds = append(h.fds, e)
	}
	for i, l := range cfg.Listeners {
		e, err := newListener(l)
		if err != nil {
			h.Close()
			return nil, fmt.Errorf("wasi: listener %d (%v): %w", i, l.Addr(), err)
		}
		h.fds = append(h.fds, e)
	}
	return h, nil
}

// joinedLen is the length of ss as NUL-terminated strings back to back.
func joinedLen(ss []string) int {
	n := 0
	for _, s := range ss {
		n += len(s) + 1
	}
	return n
}

func checkNoNUL(what, s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("wasi: %s %q contains a NUL byte", what, s)
	}
	return nil
}

// Close closes every fd the guest still holds, including preopened
// listeners. Host stdio writers and readers are left open.
func (h *Host) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var errs []error
	for i, e := range h.fds {
		if e != nil {
			if err := e.close(); err != nil {
				errs = append(errs, err)
			}
			h.fds[i] = nil
		}
	}
	for _, r := range h.roots {
		syscall.Close(r.fd)
	}
	h.roots = nil
	if h.wakeFd >= 0 {
		syscall.Close(h.wakeFd)
		h.wakeFd = -1
	}
	return errors.Join(errs...)
}

// get returns the entry for a guest fd.
func (h *Host) get(fd uint32) (*fileEntry, Errno) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if uint64(fd) >= uint64(len(h.fds)) || h.fds[fd] == nil {
		return nil, errnoBadf
	}
	return h.fds[fd], errnoSuccess
}

// getRights returns the entry for fd if its base rights include need.
func (h *Host) getRights(fd uint32, need uint64) (*fileEntry, Errno) {
	e, errno := h.get(fd)
	if errno != errnoSuccess {
		return nil, errno
	}
	if e.rightsBase&need != need {
		return nil, errnoNotcapable
	}
	return e, errnoSuccess
}

// maxFds bounds the guest's fd table like RLIMIT_NOFILE bounds a process.
const maxFds = 1 << 16

// insert puts e at the lowest free fd.
func (h *Host) insert(e *fileEntry) (uint32, Errno) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, x := range h.fds {
		if x == nil {
			h.fds[i] = e
			return uint32(i), errnoSuccess
		}
	}
	if len(h.fds) >= maxFds {
		return 0, errnoMfile
	}
	h.fds = append(h.fds, e)
	return uint32(len(h.fds) - 1), errnoSuccess
}

func (h *Host) remove(fd uint32) (*fileEntry, Errno) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if uint64(fd) >= uint64(len(h.fds)) || h.fds[fd] == nil {
		return nil, errnoBadf
	}
	e := h.fds[fd]
	h.fds[fd] = nil
	return e, errnoSuccess
}

// fileEntry is one open guest fd.
type fileEntry struct {
	filetype      uint8
	rightsBase    uint64
	rightsInherit uint64
	fdflags       uint16
	readOnly      bool // below a read-only preopen

	hostFd int // -1 when the fd is backed by stdio or a listener

	// stdio not backed by an *os.File
	reader io.Reader
	writer io.Writer

	listener net.Listener
	raw      syscall.RawConn // the listener's fd, for accept
	preopen  string          // guest path of a preopened directory, "" otherwise

	root *preopenRoot // the preopen a directory fd lies in; nil otherwise

	dir *dirState
}

func (e *fileEntry) close() error {
	switch {
	case e.listener != nil:
		return e.listener.Close()
	case e.hostFd >= 0 && e.reader == nil && e.writer == nil:
		return syscall.Close(e.hostFd)
	}
	return nil
}

// newStdio makes e a standard stream reading r (in) or writing w.
func newStdio(e *fileEntry, r io.Reader, w io.Writer, in bool) *fileEntry {
	*e = fileEntry{filetype: filetypeCharacterDevice, hostFd: -1,
		rightsBase: rightFdFdstatSetFlags | rightFdFilestatGet | rightPollFdReadwrite}
	if in {
		if r == nil {
			r = eofReader{}
		}
		e.reader = r
		e.rightsBase |= rightFdRead
		e.hostFd = fileFd(r)
	} else {
		if w == nil {
			w = io.Discard
		}
		e.writer = w
		e.rightsBase |= rightFdWrite
		e.hostFd = fileFd(w)
	}
	if e.hostFd >= 0 {
		var st syscall.Stat_t
		if syscall.Fstat(e.hostFd, &st) == nil {
			e.filetype = filetypeOf(st.Mode)
		}
	}
	return e
}

// fileFd returns the descriptor behind an *os.File stdio stream, for
// poll_oneoff and fstat, or -1. Unlike File.Fd it leaves the file's
// blocking mode alone.
func fileFd(v any) int {
	f, ok := v.(*os.File)
	if !ok {
		return -1
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	if rc.Control(func(u uintptr) { fd = int(u) }) != nil {
		return -1
	}
	return fd
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// rootFd is the host fd of the preopen root e lies in, or -1.
func (e *fileEntry) rootFd() int {
	if e.root == nil {
		return -1
	}
	return e.root.fd
}

func newPreopenRoot(fd int) (*preopenRoot, error) {
	r, err := fcntl(fd, syscall.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return &preopenRoot{fd: r}, nil
}

func openPreopen(p Preopen) (*fileEntry, error) {
	if p.GuestPath == "" {
		return nil, errors.New("empty guest path")
	}
	fd, err := syscall.Open(p.HostPath, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: p.HostPath, Err: err}
	}
	// A read-only preopen keeps full inheriting rights: wasi-libc masks the
	// rights it asks for with them, so stripping write rights would turn an
	// open for writing into a silent read-only open instead of EROFS.
	inherit := uint64(rightsAll)
	return &fileEntry{
		filetype:      filetypeDirectory,
		rightsBase:    rightsDir,
		rightsInherit: inherit,
		readOnly:      p.ReadOnly,
		hostFd:        fd,
		preopen:       p.GuestPath,
	}, nil
}
