package native

import (
	"sync/atomic"
	"syscall"
	"unsafe"
)

// go1.26 runtime internals Interrupt uses to find the thread running an
// activation (TestGoRuntimeLayout reads them from GOROOT): g.m, the M a
// goroutine runs on, and m.procid, that thread's kernel id.
const (
	gMOffset      = 48
	mProcIDOffset = 64
)

var pid = syscall.Getpid()

// signalThread sends SIGURG to the thread that runs the goroutine recorded
// in the vmctx, if it runs one: the signal handler then stops generated
// code wherever it is (docs/abi.md, "Preemption and interruption"). The g
// outlives any goroutine (Go keeps them for reuse), an M's memory stays
// mapped, and tgkill checks that the thread is ours: a stale read at worst
// signals some other thread of this process, whose handler then finds no
// reason to stop anything, and the next repetition of the request finds
// the right one.
func (c *Context) signalThread() {
	g := atomic.LoadUintptr(&c.hdr.G)
	if g == 0 {
		return
	}
	m := atomic.LoadUintptr(word(g + gMOffset))
	if m == 0 {
		return
	}
	tid := atomic.LoadUintptr(word(m + mProcIDOffset))
	if tid == 0 {
		return
	}
	syscall.RawSyscall(syscall.SYS_TGKILL, uintptr(pid), tid, uintptr(syscall.SIGURG))
}

// word turns an address of Go runtime memory that is not a Go object we
// hold into a pointer, the way vet accepts.
func word(addr uintptr) *uintptr { return *(**uintptr)(unsafe.Pointer(&addr)) }
