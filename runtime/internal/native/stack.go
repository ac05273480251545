package native

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/wasiaot/wasiaot/runtime/abi"
)

// Stack is a native stack: abi.StackGuardSize inaccessible bytes at the low
// end, then the usable part. Generated code never runs on a goroutine stack
// because goroutine stacks move.
type Stack struct {
	mem      []byte // guard + usable
	recycled uint32 // times Recycle was called
}

// NewStack maps a native stack with size usable bytes (rounded up to pages;
// abi.DefaultStackSize if size is 0). Pages are committed only when touched.
func NewStack(size int) (*Stack, error) {
	if size < 0 {
		return nil, fmt.Errorf("native stack size %d", size)
	}
	if size == 0 {
		size = abi.DefaultStackSize
	}
	usable := roundUp(uintptr(size), pageSize)
	if mem := takeFreed(freed.stacks, int(abi.StackGuardSize+usable)); mem != nil {
		return &Stack{mem: mem}, nil
	}
	mem, err := reserve(abi.StackGuardSize+usable, "a native stack and its guard pages")
	if err != nil {
		return nil, err
	}
	if err := protect(mem[abi.StackGuardSize:], syscall.PROT_READ|syscall.PROT_WRITE); err != nil {
		release(mem)
		return nil, fmt.Errorf("native stack: %w", err)
	}
	return &Stack{mem: mem}, nil
}

// Top is the initial stack pointer (16-byte aligned, exclusive end).
func (s *Stack) Top() uintptr { return addrOf(s.mem) + uintptr(len(s.mem)) }

// Limit is the lowest usable address; below it is the guard region.
func (s *Stack) Limit() uintptr { return addrOf(s.mem) + abi.StackGuardSize }

// GuardLo is the lowest address of the guard region.
func (s *Stack) GuardLo() uintptr { return addrOf(s.mem) }

// word reads the 8 bytes at address addr inside the stack.
func (s *Stack) word(addr uintptr) (uint64, bool) {
	if addr < s.Limit() || addr+8 > s.Top() {
		return 0, false
	}
	i := addr - addrOf(s.mem)
	b := s.mem[i : i+8]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56, true
}

// hotStack is the top part of a stack that Trim keeps resident.
const hotStack = 256 << 10

// Trim gives back the pages of the stack below its top hotStack bytes if a
// run went deeper than that: a deep recursion or a stack overflow leaves up
// to the whole stack resident, which a pooled stack would otherwise keep
// for good. The stack grows down one frame at a time, so the page just
// below the hot part tells: a shallow run costs one look at it.
func (s *Stack) Trim() error {
	usable := s.mem[abi.StackGuardSize:]
	if len(usable) <= hotStack {
		return nil
	}
	deep := usable[:len(usable)-hotStack]
	var vec [1]byte
	if err := pageStates(deep[len(deep)-pageSize:], vec[:]); err != nil || vec[0] == 0 {
		return err
	}
	return madvise(deep)
}

// trimPeriod is how often Recycle looks at a stack whose runs did not
// trap: every trimPeriod-th time.
const trimPeriod = 16

// Recycle is Trim for a stack kept for the next instance, after its
// instance's runs; trapped says whether one of them ended in a trap.
// Finding out whether a run went deeper than the hot part costs a system
// call (the page table of one page), more than the rest of an instance's
// release, so a stack is looked at at once only after a trap (a stack
// overflow leaves it all resident, a deadline may stop a deep recursion),
// and otherwise every trimPeriod-th time: a deep recursion that returned
// keeps its pages resident for at most that many runs of its pool's
// instances, which are likely to go as deep again.
func (s *Stack) Recycle(trapped bool) error {
	s.recycled++
	if !trapped && s.recycled%trimPeriod != 0 {
		return nil
	}
	return s.Trim()
}

// Free unmaps the stack.
func (s *Stack) Free() error {
	if s.mem == nil {
		return errors.New("native stack freed twice")
	}
	// What a guest left on its native stack is never visible to the next
	// one: generated code reads only the slots it wrote.
	err := s.Trim() // kept for reuse, it keeps only its hot top
	if !keepFreed(&freed.stacks, s.mem) {
		err = release(s.mem)
	}
	s.mem = nil
	return err
}
