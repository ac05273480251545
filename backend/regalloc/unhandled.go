package regalloc

// The unhandled intervals form a binary min-heap ordered by start, then by
// the order they were queued in: splitting queues new pieces anywhere
// ahead of the scan, which a sorted array pays for with a move of
// everything behind them.

// queued is an unhandled interval with its heap key: start in the high
// half, the queueing sequence number in the low half.
type queued struct {
	key uint64
	it  *interval
}

func (a *Allocator) queueKey(it *interval) uint64 {
	k := uint64(uint32(it.start()))<<32 | uint64(a.seq)
	a.seq++
	return k
}

// addUnhandled queues a piece made by a split.
func (a *Allocator) addUnhandled(it *interval) {
	a.addPiece(it)
	h := append(a.unhandled, queued{a.queueKey(it), it})
	i := len(h) - 1
	e := h[i]
	for i > 0 {
		p := (i - 1) / 2
		if h[p].key <= e.key {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = e
	a.unhandled = h
}

// nextUnhandled removes and returns the interval to allocate next.
func (a *Allocator) nextUnhandled() *interval {
	h := a.unhandled
	top := h[0].it
	n := len(h) - 1
	e := h[n]
	h = h[:n]
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && h[c+1].key < h[c].key {
			c++
		}
		if e.key <= h[c].key {
			break
		}
		h[i] = h[c]
		i = c
	}
	if n > 0 {
		h[i] = e
	}
	a.unhandled = h
	return top
}
