package native

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
)

// ArenaSize is the address space reserved, once per process, for all code
// (less if the process's address space is limited; see reserveArena).
// One contiguous arena keeps "is this PC in wasm code?" a single range
// compare, which the signal handler does without locks.
const ArenaSize = 64 << 30

// codeLo and codeHi bound the arena. They are written once, before the fault
// handler is installed, and read by it (signal_amd64.s).
var codeLo, codeHi uintptr

// faultStubPC is where the fault handler sends a faulting thread.
var faultStubPC uintptr

// Code is one executable region of the arena.
type Code struct {
	mem      []byte
	released atomic.Bool
	copied   bool // made by copyCode: its pages may be kept for the next one
}

// Addr is the address of the first byte of the code.
func (c *Code) Addr() uintptr { return addrOf(c.mem) }

// Len is the mapped length in bytes (a whole number of pages).
func (c *Code) Len() int { return len(c.mem) }

// Release unmaps the code and returns its slot to the arena. Nothing may be
// running in it.
func (c *Code) Release() error {
	if !c.released.CompareAndSwap(false, true) {
		return errors.New("code released twice")
	}
	// Pages kept writable for the next LoadCode save allocating, zeroing
	// and faulting in fresh ones.
	if c.copied && keepCode && keepFreedCode(c.mem) {
		return nil
	}
	return theArena.free(c.mem)
}

type span struct{ off, size uintptr }

type arena struct {
	once  sync.Once
	err   error
	mu    sync.Mutex
	mem   []byte
	spans []span // free spans, sorted by offset, coalesced
	stubs *Code
}

var theArena arena

// initArena reserves the arena, maps the runtime stubs into it and
// installs the fault handler; all once per process.
func initArena() error {
	theArena.once.Do(func() {
		mem, err := reserveArena()
		if err != nil {
			theArena.err = err
			return
		}
		theArena.mem = mem
		theArena.spans = []span{{0, uintptr(len(mem))}}
		codeLo, codeHi = addrOf(mem), addrOf(mem)+uintptr(len(mem))
		if len(stubCode) == 0 {
			return
		}
		if theArena.stubs, err = copyCode(stubCode); err != nil {
			theArena.err = fmt.Errorf("map runtime stubs: %w", err)
			return
		}
		faultStubPC = stubAddr(stubFault)
		if err := installFaultHandler(); err != nil {
			theArena.err = err
		}
	})
	return theArena.err
}

// minArenaSize is the smallest arena reserveArena falls back to.
const minArenaSize = 256 << 20

// reserveArena reserves ArenaSize bytes, or less when the address space is
// limited (ulimit -v): a smaller arena only bounds how much code can be
// loaded at once.
func reserveArena() ([]byte, error) {
	const why = "native code (one arena for the code of every loaded module)"
	mem, err := reserve(ArenaSize, why)
	for size := uintptr(ArenaSize / 2); err != nil && size >= minArenaSize; size /= 2 {
		var err2 error
		if mem, err2 = reserve(size, why); err2 == nil {
			err = nil
		}
	}
	return mem, err
}

// LoadCode copies text into fresh pages of the arena and makes them
// read+execute.
func LoadCode(text []byte) (*Code, error) {
	if err := initArena(); err != nil {
		return nil, err
	}
	return copyCode(text)
}

func copyCode(text []byte) (*Code, error) {
	if len(text) == 0 {
		return nil, errors.New("load code: empty text")
	}
	mem := takeFreedCode(int(roundUp(uintptr(len(text)), pageSize)))
	if mem == nil {
		var err error
		if mem, err = theArena.alloc(uintptr(len(text))); err != nil {
			return nil, err
		}
		if err := mapAnonFixedPopulated(mem); err != nil {
			theArena.free(mem)
			return nil, fmt.Errorf("load code: %w", err)
		}
	}
	clear(mem[copy(mem, text):]) // kept pages hold older code
	if err := protect(mem, syscall.PROT_READ|syscall.PROT_EXEC); err != nil {
		theArena.free(mem)
		return nil, fmt.Errorf("load code: %w", err)
	}
	flushICache(mem)
	return &Code{mem: mem, copied: true}, nil
}

// keepCode says whether Release keeps LoadCode pages; false in tests of
// the arena itself.
var keepCode = true

// NewImage maps size bytes of fresh read+write pages into the arena, for a
// loader to read an artifact into, check it there, then Trim and Seal it:
// the bytes it checks are then the bytes that run, whatever happens to the
// file afterwards.
func NewImage(size int) (*Code, error) {
	if size <= 0 {
		return nil, fmt.Errorf("new image: size %d", size)
	}
	if err := initArena(); err != nil {
		return nil, err
	}
	mem, err := theArena.alloc(uintptr(size))
	if err != nil {
		return nil, err
	}
	if err := mapAnonFixedPopulated(mem); err != nil {
		theArena.free(mem)
		return nil, fmt.Errorf("new image: %w", err)
	}
	return &Code{mem: mem}, nil
}

// Bytes is the memory of an image not yet sealed, to fill.
func (c *Code) Bytes() []byte { return c.mem }

// Trim keeps the pages of c that hold [off, off+n) and returns the others
// to the arena; off must be page aligned.
func (c *Code) Trim(off, n int) error {
	if off%pageSize != 0 || n <= 0 || off+n > len(c.mem) {
		return fmt.Errorf("trim image: [%#x,%#x) of %#x bytes", off, off+n, len(c.mem))
	}
	end := int(roundUp(uintptr(off+n), pageSize))
	var err error
	if off > 0 {
		err = theArena.free(c.mem[:off:off])
	}
	if end < len(c.mem) {
		err = errors.Join(err, theArena.free(c.mem[end:]))
	}
	c.mem = c.mem[off:end:end]
	return err
}

// Seal makes the whole of c read+execute; nothing writes it after.
func (c *Code) Seal() error {
	if err := protect(c.mem, syscall.PROT_READ|syscall.PROT_EXEC); err != nil {
		return fmt.Errorf("seal image: %w", err)
	}
	flushICache(c.mem)
	return nil
}

// MapCode maps size bytes of the file fd, starting at the page-aligned
// offset, read+execute into the arena. The runtime loads artifacts with
// NewImage instead: a file-backed private mapping shows later writes to the
// file in pages not yet touched.
func MapCode(fd uintptr, offset int64, size int) (*Code, error) {
	if offset < 0 || offset%pageSize != 0 {
		return nil, fmt.Errorf("map code: file offset %#x is not page aligned", offset)
	}
	if size <= 0 {
		return nil, fmt.Errorf("map code: size %d", size)
	}
	if err := initArena(); err != nil {
		return nil, err
	}
	mem, err := theArena.alloc(uintptr(size))
	if err != nil {
		return nil, err
	}
	if err := mapFileFixed(mem, syscall.PROT_READ|syscall.PROT_EXEC, int(fd), offset); err != nil {
		theArena.free(mem)
		return nil, fmt.Errorf("map code: %w", err)
	}
	return &Code{mem: mem}, nil
}

// InCode reports whether pc lies in the code arena.
func InCode(pc uintptr) bool {
	return pc >= codeLo && pc < codeHi
}

func (a *arena) alloc(n uintptr) ([]byte, error) {
	n = roundUp(n, pageSize)
	a.mu.Lock()
	defer a.mu.Unlock()
	for i, s := range a.spans {
		if s.size < n {
			continue
		}
		if s.size == n {
			a.spans = append(a.spans[:i], a.spans[i+1:]...)
		} else {
			a.spans[i] = span{s.off + n, s.size - n}
		}
		return a.mem[s.off : s.off+n : s.off+n], nil
	}
	return nil, fmt.Errorf("code arena full: no room for %d bytes", n)
}

// free drops the pages of mem (mapping inaccessible, unreserved memory over
// them) and puts the span back.
func (a *arena) free(mem []byte) error {
	err := mapAnonFixed(mem, syscall.PROT_NONE)
	off := addrOf(mem) - addrOf(a.mem)
	a.mu.Lock()
	defer a.mu.Unlock()
	i := sort.Search(len(a.spans), func(i int) bool { return a.spans[i].off > off })
	a.spans = append(a.spans, span{})
	copy(a.spans[i+1:], a.spans[i:])
	a.spans[i] = span{off, uintptr(len(mem))}
	// Coalesce with the neighbours.
	if i+1 < len(a.spans) && a.spans[i].off+a.spans[i].size == a.spans[i+1].off {
		a.spans[i].size += a.spans[i+1].size
		a.spans = append(a.spans[:i+1], a.spans[i+2:]...)
	}
	if i > 0 && a.spans[i-1].off+a.spans[i-1].size == a.spans[i].off {
		a.spans[i-1].size += a.spans[i].size
		a.spans = append(a.spans[:i], a.spans[i+1:]...)
	}
	return err
}

// stubAddr is the address of a runtime stub entry.
func stubAddr(off uintptr) uintptr {
	return theArena.stubs.Addr() + off
}
