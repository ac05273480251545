package native

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/wasiaot/wasiaot/runtime/abi"
)

// ErrUnsupportedArch is returned by everything that would run native code on
// an architecture without an implementation yet.
var ErrUnsupportedArch = errors.New("not supported: " + runtime.GOARCH + " native execution")

// minStackRoom is the native stack a nested activation needs to start.
const minStackRoom = 4096

// Config sizes a Context.
type Config struct {
	// ModuleSize is the number of bytes after the fixed header that the
	// backend lays out (globals, tables, ...). They start zeroed.
	ModuleSize int
	// ArgSlots is the number of abi.ArgSlotSize slots in the args/results
	// buffer: at least the largest param or result count of any entry or
	// import signature.
	ArgSlots int
	// Stack is the native stack to run on; if nil one of StackSize usable
	// bytes (abi.DefaultStackSize if 0) is made and freed with the Context.
	Stack     *Stack
	StackSize int
}

// Context is one vmctx plus the native stack its activations run on. A
// Context runs one activation chain at a time: Call must not be used from two
// goroutines at once, but may be re-entered from a HostFunc.
type Context struct {
	mem      []byte // header | module area | args buffer, off the Go heap
	hdr      *abi.VMContext
	module   []byte
	args     []byte
	stack    *Stack
	ownStack bool
	memory   *Memory
	preempts uint64 // ExitPreempt exits served, for tests
	// onPreempt, if set (by tests), sees the PC of every preemption exit
	// that resumes.
	onPreempt func(pc uintptr)
	// repoke repeats an Interrupt's request to the running g (see
	// Interrupt); Close stops it.
	repoke struct {
		sync.Mutex
		t *time.Timer
		n int
	}
}

// HostFunc runs import index with its arguments and results in c.Args().
// It may call c.Call again (re-entrancy). A non-nil error unwinds the
// calling activation and is returned from Call inside a *Trap.
type HostFunc func(c *Context, index uint32) error

// HostCall calls f.
func (f HostFunc) HostCall(c *Context, index uint32) error { return f(c, index) }

// Host serves host calls like a HostFunc, for Serve.
type Host interface {
	HostCall(c *Context, index uint32) error
}

// Trap is the error a Call returns when native code trapped.
type Trap struct {
	Kind abi.TrapKind
	PC   uintptr // see abi.TrapKind for what PC identifies
	Addr uintptr // faulting data address for memory faults and stack exhaustion
	Err  error   // the host function's error for abi.TrapHostError
	// SP is the native stack pointer of the innermost wasm frame when it
	// stopped (after however much of its prologue had run), 0 if unknown:
	// with PC, where a backtrace starts. The frames above it stay intact
	// on the native stack until the Context runs code again.
	SP uintptr
	// LR is the link register when the innermost frame stopped, on
	// machines that have one (arm64; 0 elsewhere or if unknown): the
	// return address of a function that has not saved it.
	LR uintptr
}

func (t *Trap) Error() string {
	switch t.Kind {
	case abi.TrapMemoryFault, abi.TrapStackExhausted:
		return fmt.Sprintf("%v (pc %#x, address %#x)", t.Kind, t.PC, t.Addr)
	case abi.TrapHostError:
		return fmt.Sprintf("%v: %v", t.Kind, t.Err)
	}
	return fmt.Sprintf("%v (pc %#x)", t.Kind, t.PC)
}

func (t *Trap) Unwrap() error { return t.Err }

// NewContext maps a vmctx and prepares it for Call.
func NewContext(cfg Config) (*Context, error) {
	if !archSupported {
		return nil, ErrUnsupportedArch
	}
	if cfg.ModuleSize < 0 || cfg.ArgSlots < 0 || cfg.ModuleSize > 1<<30 || cfg.ArgSlots > 1<<20 {
		return nil, fmt.Errorf("vmctx config: module size %d, %d arg slots", cfg.ModuleSize, cfg.ArgSlots)
	}
	if err := initArena(); err != nil {
		return nil, err
	}
	argsOff := roundUp(abi.VMCtxHeaderSize+uintptr(cfg.ModuleSize), abi.ArgSlotSize)
	size := roundUp(argsOff+uintptr(cfg.ArgSlots)*abi.ArgSlotSize, pageSize)
	mem := takeFreed(freed.blocks, int(size))
	if mem != nil {
		clear(mem)
	} else {
		var err error
		mem, err = syscall.Mmap(-1, 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE,
			syscall.MAP_PRIVATE|syscall.MAP_ANON)
		if err != nil {
			return nil, fmt.Errorf("map vmctx: %w", err)
		}
	}
	c := &Context{
		mem:    mem,
		hdr:    (*abi.VMContext)(unsafe.Pointer(&mem[0])),
		module: mem[abi.VMCtxHeaderSize : abi.VMCtxHeaderSize+cfg.ModuleSize],
		args:   mem[argsOff : argsOff+uintptr(cfg.ArgSlots)*abi.ArgSlotSize],
		stack:  cfg.Stack,
	}
	if c.stack == nil {
		var err error
		if c.stack, err = NewStack(cfg.StackSize); err != nil {
			freeBlock(mem)
			return nil, err
		}
		c.ownStack = true
	}
	h := c.hdr
	h.Magic = abi.VMCtxMagicValue
	h.HostCallStub = stubAddr(stubHostCall)
	h.TrapStub = stubAddr(stubTrap)
	h.PreemptStub = stubAddr(stubPreempt)
	h.Args = addrOf(c.args)
	h.StackTop = c.stack.Top()
	h.StackLimit = c.stack.Limit()
	h.StackGuardLo = c.stack.GuardLo()
	return c, nil
}

// freeBlock keeps a vmctx block for the next Context or unmaps it.
func freeBlock(b []byte) error {
	if keepFreed(&freed.blocks, b) {
		return nil
	}
	return syscall.Munmap(b)
}

// Addr is the vmctx address generated code receives in R15.
func (c *Context) Addr() uintptr { return addrOf(c.mem) }

// Header is the fixed part of the vmctx.
func (c *Context) Header() *abi.VMContext { return c.hdr }

// Module is the backend-defined part of the vmctx.
func (c *Context) Module() []byte { return c.module }

// Args is the args/results buffer, abi.ArgSlotSize bytes per value.
func (c *Context) Args() []byte { return c.args }

// Stack is the native stack the Context runs on.
func (c *Context) Stack() *Stack { return c.stack }

// Interrupt asks running (and future) native code to stop, wherever it is
// (the SIGURG handler stops it, or its next poll if it polls); Call then
// returns a Trap of kind abi.TrapInterrupted. It is safe to call
// from any goroutine. The request stays until ClearInterrupt.
//
// Polls look only at the running goroutine's stackguard0, the word the Go
// scheduler sets to ask a goroutine to stop (docs/abi.md, "Polls"), so
// Interrupt sets it too, on the g the activation last recorded. Go code
// that the goroutine runs in between (a host function) may act on such a
// request and reset the word; Call checks the interrupt word after every
// host call, and Interrupt repeats the request every millisecond while it
// stands, so that no such race can leave a spinning guest running.
func (c *Context) Interrupt() {
	atomic.StoreUint32(&c.hdr.Interrupt, 1)
	c.pokeG()
	c.signalThread()
	r := &c.repoke
	r.Lock()
	r.n = 0
	if r.t == nil {
		r.t = time.AfterFunc(time.Millisecond, c.repokeTick)
	} else {
		r.t.Reset(time.Millisecond)
	}
	r.Unlock()
}

// repokeTick repeats the request while it stands, for at most maxRepoke
// milliseconds (say for an activation that ended with it set).
func (c *Context) repokeTick() {
	r := &c.repoke
	r.Lock()
	defer r.Unlock()
	if c.hdr == nil || atomic.LoadUint32(&c.hdr.Interrupt) == 0 || r.n >= maxRepoke {
		return
	}
	r.n++
	c.pokeG()
	c.signalThread()
	r.t.Reset(time.Millisecond)
}

const maxRepoke = 10000

// pokeG sets the recorded g's stackguard0 to stackPreempt, as the Go
// scheduler does to preempt it: a g that runs Go code instead yields at its
// next function prologue, which is harmless.
func (c *Context) pokeG() {
	if g := atomic.LoadUintptr(&c.hdr.G); g != 0 {
		// The g lives in Go's heap but is not a Go object we hold: go
		// through a uintptr the way vet accepts.
		addr := g + abi.GStackGuard0Offset
		atomic.StoreUint64(*(**uint64)(unsafe.Pointer(&addr)), abi.StackPreempt)
	}
}

// OnActivationGoroutine reports whether the calling goroutine is the one
// that entered c's innermost activation. While an activation is parked in
// a host call, a Call from that goroutine is the host function calling
// back in; from any other it is concurrent use.
func (c *Context) OnActivationGoroutine() bool {
	return currentG() == atomic.LoadUintptr(&c.hdr.G)
}

// ForgetGoroutine clears the recorded goroutine once the outermost
// activation is over and before the next may begin. A plain store: the
// caller's atomic update that ends the activation publishes it.
func (c *Context) ForgetGoroutine() { c.hdr.G = 0 }

// Interrupted reports whether an Interrupt stands: long host work (a bulk
// memory operation) looks at it to stop early.
func (c *Context) Interrupted() bool { return atomic.LoadUint32(&c.hdr.Interrupt) != 0 }

// ClearInterrupt withdraws an Interrupt.
func (c *Context) ClearInterrupt() { atomic.StoreUint32(&c.hdr.Interrupt, 0) }

// Close unmaps the vmctx and, if the Context made it, the stack.
func (c *Context) Close() error {
	if c.mem == nil {
		return errors.New("vmctx closed twice")
	}
	if c.hdr.ExitSP != 0 {
		return errors.New("vmctx close: an activation is still parked")
	}
	c.hdr.Magic = 0
	r := &c.repoke
	r.Lock()
	if r.t != nil {
		r.t.Stop()
	}
	err := freeBlock(c.mem)
	c.mem, c.hdr = nil, nil
	r.Unlock()
	if c.ownStack {
		err = errors.Join(err, c.stack.Free())
	}
	return err
}

// Call runs native code at entry (an entry stub in the code arena) until it
// returns or traps, serving host calls and preemption requests on the way.
func (c *Context) Call(entry uintptr, host HostFunc) error {
	code, err := c.Start(entry)
	if err != nil || code == abi.ExitReturn {
		return err
	}
	if host == nil {
		return c.serve(code, nil)
	}
	return c.serve(code, host)
}

// Start begins an activation at entry, as Call does, for a caller that
// serves host calls in its own loop, without an interface call per host
// call: it returns the first exit. After serving an abi.ExitHostCall the
// caller continues with AfterHostCall and Resume; it hands any other exit
// to Serve. A host call that panics must be followed by AbandonHostCall
// before the panic leaves the caller (Call does all this itself).
func (c *Context) Start(entry uintptr) (abi.ExitCode, error) {
	if c.mem == nil {
		return 0, errors.New("call: vmctx is closed")
	}
	if !InCode(entry) {
		return 0, fmt.Errorf("call: entry %#x is not in the code arena", entry)
	}
	// A nested activation starts below the parked frames; the trampoline
	// writes there before any generated code runs, so check the room here.
	if sp := c.hdr.ExitSP; sp != 0 && sp < c.hdr.StackLimit+minStackRoom {
		return 0, &Trap{Kind: abi.TrapStackExhausted, PC: c.hdr.ResumePC, Addr: sp}
	}
	// Generated code does not poll: a standing request stops the call
	// before it starts (one that arrives later is signalled).
	if atomic.LoadUint32(&c.hdr.Interrupt) != 0 {
		return 0, &Trap{Kind: abi.TrapInterrupted, PC: entry}
	}
	return run(c, entry), nil
}

// StackWord reads the 8 bytes at addr on the Context's native stack, or
// fails if addr is outside its usable part: how a backtrace reads the
// frames a trap left there.
func (c *Context) StackWord(addr uintptr) (uint64, bool) { return c.stack.word(addr) }

// Resume continues the activation parked by a host call.
func (c *Context) Resume() abi.ExitCode { return resumeRun(c) }

// HostCallIndex is the import index of the parked host call.
func (c *Context) HostCallIndex() uint32 { return c.hdr.ExitArg }

// AfterHostCall ends a host call that returned err: a non-nil error, or an
// interrupt request that the Go code of the host call may have consumed
// (see Interrupt), abandons the activation and is returned as a *Trap;
// otherwise it returns nil and the caller resumes.
func (c *Context) AfterHostCall(err error) error {
	if err == nil && atomic.LoadUint32(&c.hdr.Interrupt) == 0 {
		return nil
	}
	return c.endHostCall(err)
}

func (c *Context) endHostCall(err error) error {
	h := c.hdr
	sp := h.ExitSP // a host call exits with the calling function's SP
	if err != nil {
		c.unwind(abi.TrapHostError, h.ResumePC)
		return &Trap{Kind: abi.TrapHostError, PC: h.TrapPC, Err: err, SP: sp}
	}
	pc := h.ResumePC
	c.unwind(abi.TrapInterrupted, pc)
	return &Trap{Kind: abi.TrapInterrupted, PC: pc, SP: sp}
}

// AbandonHostCall abandons the activation whose host call panicked.
func (c *Context) AbandonHostCall() { c.unwind(abi.TrapHostError, c.hdr.ResumePC) }

// Serve serves the exits of the activation from code on, as Call does.
func (c *Context) Serve(code abi.ExitCode, host Host) error {
	if code == abi.ExitReturn {
		return nil
	}
	return c.serve(code, host)
}

// serve handles exits until the activation returns or traps.
func (c *Context) serve(code abi.ExitCode, host Host) error {
	// A panicking host function must not leave its caller parked.
	inHost := false
	defer func() {
		if inHost {
			c.unwind(abi.TrapHostError, c.hdr.ResumePC)
		}
	}()
	h := c.hdr // Close refuses while an activation is parked
	for {
		// Host calls first: they are the loop's reason to exist.
		if code == abi.ExitHostCall && host != nil {
			inHost = true
			err := host.HostCall(c, h.ExitArg)
			inHost = false
			if err := c.AfterHostCall(err); err != nil {
				return err
			}
			code = resumeRun(c)
			continue
		}
		switch code {
		case abi.ExitReturn:
			return nil
		case abi.ExitTrap:
			sp, lr := c.trapRegs()
			return &Trap{Kind: h.TrapKind, PC: h.TrapPC, Addr: h.FaultAddr, SP: sp, LR: lr}
		case abi.ExitHostCall: // with no host
			index := h.ExitArg
			c.unwind(abi.TrapHostError, h.ResumePC)
			return fmt.Errorf("host call %d with no host functions", index)
		case abi.ExitPreempt:
			if atomic.LoadUint32(&h.Interrupt) != 0 {
				pc, _ := c.stack.word(h.ExitSP + preemptSavedPC)
				// The code's SP is above what the preempt stub pushed.
				sp := h.ExitSP + preemptSavedPC + asyncPushed
				lr := c.parkedLR()
				c.unwind(abi.TrapInterrupted, uintptr(pc))
				return &Trap{Kind: abi.TrapInterrupted, PC: uintptr(pc), SP: sp, LR: lr}
			}
			c.preempts++
			if c.onPreempt != nil {
				pc, _ := c.stack.word(h.ExitSP + preemptSavedPC)
				c.onPreempt(uintptr(pc))
			}
			yield()
			if atomic.LoadUint32(&h.Interrupt) != 0 {
				continue // stop now rather than at the next signal
			}
		default:
			// Only a broken stub or corrupted vmctx gets here; the
			// activation's state cannot be trusted, so do not resume it.
			return fmt.Errorf("call: unknown exit code %d", code)
		}
		code = resumeRun(c)
	}
}

// unwind abandons the parked activation: it resumes it at the fault stub,
// which returns straight to the trampoline with an ExitTrap.
func (c *Context) unwind(kind abi.TrapKind, pc uintptr) {
	h := c.hdr
	h.TrapKind, h.TrapPC, h.FaultAddr = kind, pc, 0
	h.ResumePC = stubAddr(stubFault)
	resumeRun(c)
}
