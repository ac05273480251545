package regalloc

// The inactive intervals form a binary min-heap ordered by until, the
// position where each comes back to life. The scan then touches only the
// intervals that wake up at its position, and tryFree, which looks for the
// intervals that can meet the current one and so must wake before it
// ends, skips the others a whole subtree at a time. The searches only
// compute minima, so the order in which they see the intervals makes no
// difference to the allocation.

// inactiveEntry is an interval in the inactive heap, with copies of the
// fields the scan reads on every step: until, kept equal to it.until, and
// the register and class, which do not change while it is inactive.
type inactiveEntry struct {
	until int32
	reg   PReg
	class Class
	it    *interval
}

func (a *Allocator) pushInactive(it *interval) {
	a.inactive = append(a.inactive, inactiveEntry{until: it.until, reg: it.reg, class: it.class, it: it})
	a.siftUp(len(a.inactive) - 1)
}

// popInactive removes the first entry.
func (a *Allocator) popInactive() {
	h := a.inactive
	n := len(h) - 1
	h[0] = h[n]
	a.inactive = h[:n]
	a.siftDown(0)
}

func (a *Allocator) siftUp(i int) {
	h := a.inactive
	e := h[i]
	for i > 0 {
		p := (i - 1) / 2
		if h[p].until <= e.until {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = e
}

func (a *Allocator) siftDown(i int) {
	h := a.inactive
	n := len(h)
	if i >= n {
		return
	}
	e := h[i]
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && h[c+1].until < h[c].until {
			c++
		}
		if e.until <= h[c].until {
			break
		}
		h[i] = h[c]
		i = c
	}
	h[i] = e
}

// heapify restores the heap order after arbitrary changes of until.
func (a *Allocator) heapify() {
	for i := len(a.inactive)/2 - 1; i >= 0; i-- {
		a.siftDown(i)
	}
}

// wakeBefore returns the indexes of the inactive entries whose until is
// below bound, in no particular order. The slice is reused by the next
// call.
func (a *Allocator) wakeBefore(bound int32) []int32 {
	h := a.inactive
	out := a.found[:0]
	if len(h) == 0 || h[0].until >= bound {
		return out
	}
	stack := append(a.stack[:0], 0)
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		out = append(out, i)
		if c := 2*i + 1; int(c) < len(h) && h[c].until < bound {
			stack = append(stack, c)
		}
		if c := 2*i + 2; int(c) < len(h) && h[c].until < bound {
			stack = append(stack, c)
		}
	}
	a.stack = stack
	a.found = out
	return out
}
