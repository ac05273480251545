package native

import (
	"fmt"
	"syscall"
	"unsafe"
)

// The kernel's struct sigaction (the same on amd64 and arm64).
type sigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

const (
	saSiginfo  = 0x4
	saOnstack  = 0x08000000
	saRestart  = 0x10000000
	saRestorer = 0x04000000
)

// Previous handlers, jumped to by sigHandler for faults outside the arena.
var prevSEGV, prevBUS uintptr

// installSignalHandler puts the handler at handlerPC in front of Go's for
// SIGSEGV and SIGBUS. goFlags are flags Go's own handlers always have
// (goSigFlags): their absence means there is no Go handler to chain to.
func installSignalHandler(handlerPC uintptr, goFlags uint64) error {
	if err := chainHandler(uintptr(syscall.SIGSEGV), &prevSEGV, handlerPC, goFlags); err != nil {
		return err
	}
	return chainHandler(uintptr(syscall.SIGBUS), &prevBUS, handlerPC, goFlags)
}

// chainHandler puts the handler at handlerPC in front of Go's for sig and
// keeps Go's in *prev, for the handler to continue into.
func chainHandler(sig uintptr, prev *uintptr, handlerPC uintptr, goFlags uint64) error {
	var old sigaction
	if err := rtSigaction(sig, nil, &old); err != nil {
		return err
	}
	// Go installs its handler for these signals at start-up; anything
	// else (SIG_DFL, SIG_IGN) has nothing to chain to.
	if old.handler <= 1 || old.flags&goFlags != goFlags {
		return fmt.Errorf("not supported: signal %d has no Go handler to chain to", sig)
	}
	*prev = old.handler
	act := old
	act.handler = handlerPC
	act.flags |= saOnstack | saRestart
	return rtSigaction(sig, &act, nil)
}

func rtSigaction(sig uintptr, act, old *sigaction) error {
	_, _, errno := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, sig,
		uintptr(unsafe.Pointer(act)), uintptr(unsafe.Pointer(old)), 8, 0, 0)
	if errno != 0 {
		return fmt.Errorf("rt_sigaction(%d): %w", sig, errno)
	}
	return nil
}
