package regalloc

import (
	"math"
	"slices"
)

// Positions. Block b starts at position 4*(b+First_b), a slot where only
// live-in values exist. Instruction i sits at base p = 4*(i+b+1) and owns
// four positions:
//
//	p    gap: copies inserted before the instruction happen here; they
//	     read values at p-1 and write values at p
//	p+1  the instruction reads its register operands
//	p+2  the instruction writes its register operands
//	p+3  results that arrived in fixed registers are copied out (a
//	     parallel copy run before the next gap's copies)
//
// Ranges are half-open. Intervals are split only at gap positions (or at a
// block start), so a move never falls in the middle of an instruction.

type rng struct{ from, to int32 }

// interval is a piece of a virtual register's lifetime with one location.
type interval struct {
	v      VReg
	class  Class
	ranges []rng   // ascending, disjoint, non-adjacent
	uses   []int32 // ascending positions that need a register
	// soft holds, ascending, the positions where a copy in an
	// instruction's gap reads the value (into a fixed register, or into a
	// two-address result): the copy can read the stack slot, so they need
	// no register, but evicting the value just before one costs a store
	// and a load, so they count when choosing what to evict. Reads an
	// instruction can take as a memory operand do not: spilling the value
	// read there only turns the operand into a memory one.
	soft   []int32
	reg    PReg // assigned register, or NoPReg
	stack  bool // lives in the virtual register's spill slot
	hint   PReg // preferred register
	hintV  VReg // or: the register another value has at hintPos
	hintAt int32
	// until caches the scan's last look at it: it stays active (or
	// inactive) at positions below until.
	until int32
	// at is the index of the first range ending after the position of
	// the scan's last recheck, which stays the same below until.
	at   int32
	prev *interval // the piece before this one, after a split
	// The greedy allocator's: spill weight, whether the piece is as
	// short as it gets (it then may evict anything but other minimal
	// pieces), and the last conflict search that met it.
	weight  float64
	useW    float64 // the sum of the uses' weights
	size    int32   // the positions covered; 0: not computed yet
	minimal bool
	flat    bool // lies within blocks of one loop depth (see loopBoundary)
	mark    uint32
}

func (it *interval) start() int32 { return it.ranges[0].from }
func (it *interval) end() int32   { return it.ranges[len(it.ranges)-1].to }

// covers reports whether it is live at pos.
func (it *interval) covers(pos int32) bool {
	i := firstEnding(it.ranges, pos)
	return i < len(it.ranges) && it.ranges[i].from <= pos
}

// recheck reports whether it covers pos (pos < end) and records in until
// how long that answer holds.
func (it *interval) recheck(pos int32) bool {
	i := firstEnding(it.ranges, pos)
	it.at = int32(i)
	r := it.ranges[i]
	if r.from <= pos {
		it.until = r.to
		return true
	}
	it.until = r.from
	return false
}

// nextCover returns the first position >= pos covered by it, or -1.
func (it *interval) nextCover(pos int32) int32 {
	i := firstEnding(it.ranges, pos)
	if i == len(it.ranges) {
		return -1
	}
	return max(pos, it.ranges[i].from)
}

// intersect returns the first position >= from covered by both ranges, or
// -1.
func intersect(a, b []rng, from int32, steps *int64) int32 {
	return intersectBefore(a, b, from, math.MaxInt32, steps)
}

// intersectBefore is intersect limited to positions below limit: it
// returns -1 when the first common position is limit or later, without
// looking that far.
func intersectBefore(a, b []rng, from, limit int32, steps *int64) int32 {
	return intersectFrom(a, b, firstEnding(a, from), firstEnding(b, from), from, limit, steps)
}

// intersectFrom is intersectBefore given i and j, the indexes of the first
// ranges of a and b ending after from. It adds the work it did to steps.
func intersectFrom(a, b []rng, i, j int, from, limit int32, steps *int64) int32 {
	for i < len(a) && j < len(b) {
		*steps++
		ra, rb := a[i], b[j]
		lo := max(ra.from, rb.from, from)
		if lo >= limit {
			return -1
		}
		hi := min(ra.to, rb.to)
		if lo < hi {
			return lo
		}
		// The range ending first lies wholly before the other one; skip
		// every range of its list that ends before the other one starts.
		if ra.to <= rb.to {
			i = skipEnding(a, i+1, rb.from, steps)
		} else {
			j = skipEnding(b, j+1, ra.from, steps)
		}
	}
	return -1
}

// skipEnding returns the index of the first range of rs from i on ending
// after pos. It gallops, so that long interval lists cost the logarithm of
// the distance skipped rather than the distance.
func skipEnding(rs []rng, i int, pos int32, steps *int64) int {
	if i >= len(rs) || rs[i].to > pos {
		return i
	}
	// rs[lo].to <= pos < rs[hi].to, with hi = len(rs) standing for +inf.
	lo, step := i, 1
	hi := i + step
	for hi < len(rs) && rs[hi].to <= pos {
		*steps += 2 // this step and one of the search below
		lo = hi
		step *= 2
		hi = lo + step
	}
	hi = min(hi, len(rs))
	for lo+1 < hi {
		m := int(uint(lo+hi) >> 1)
		if rs[m].to <= pos {
			lo = m
		} else {
			hi = m
		}
	}
	return hi
}

// firstEnding returns the index of the first range ending after pos.
func firstEnding(rs []rng, pos int32) int {
	lo, hi := 0, len(rs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if rs[m].to <= pos {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// nextUse returns the first position >= pos needing a register, or -1.
func (it *interval) nextUse(pos int32) int32 {
	i := it.firstUse(pos)
	if i == len(it.uses) {
		return -1
	}
	return it.uses[i]
}

// nextRead returns the first position >= pos reading the value at all
// (needing a register or not), or -1.
func (it *interval) nextRead(pos int32) int32 {
	u, s := it.nextUse(pos), firstAtOrAfter(it.soft, pos)
	if u < 0 || (s >= 0 && s < u) {
		return s
	}
	return u
}

// firstAtOrAfter returns the first element >= pos of ascending ps, or -1.
func firstAtOrAfter(ps []int32, pos int32) int32 {
	i := firstIndexAtOrAfter(ps, pos)
	if i == len(ps) {
		return -1
	}
	return ps[i]
}

// firstUse returns the index of the first use at or after pos.
func (it *interval) firstUse(pos int32) int { return firstIndexAtOrAfter(it.uses, pos) }

// firstIndexAtOrAfter returns the index of the first element >= pos of
// ascending ps.
func firstIndexAtOrAfter(ps []int32, pos int32) int {
	lo, hi := 0, len(ps)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if ps[m] < pos {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// The builders below run while walking instructions backwards, so ranges
// and uses are kept in descending order until finish reverses them.

func (it *interval) addRangeRev(from, to int32) {
	if n := len(it.ranges); n > 0 {
		low := &it.ranges[n-1]
		if to >= low.from { // overlaps or touches the lowest range
			low.from = min(low.from, from)
			low.to = max(low.to, to)
			return
		}
	}
	it.ranges = append(it.ranges, rng{from, to})
}

// defRev records a definition at pos: the value does not exist before it.
func (it *interval) defRev(pos, deadEnd int32) {
	if n := len(it.ranges); n > 0 && it.ranges[n-1].from <= pos && pos < it.ranges[n-1].to {
		it.ranges[n-1].from = pos
		return
	}
	it.addRangeRev(pos, deadEnd)
}

func (it *interval) useRev(pos int32) {
	if n := len(it.uses); n > 0 && it.uses[n-1] == pos {
		return
	}
	it.uses = append(it.uses, pos)
}

func (it *interval) softRev(pos int32) {
	if n := len(it.soft); n > 0 && it.soft[n-1] == pos {
		return
	}
	it.soft = append(it.soft, pos)
}

func (it *interval) finish() {
	for i, j := 0, len(it.ranges)-1; i < j; i, j = i+1, j-1 {
		it.ranges[i], it.ranges[j] = it.ranges[j], it.ranges[i]
	}
	for i, j := 0, len(it.uses)-1; i < j; i, j = i+1, j-1 {
		it.uses[i], it.uses[j] = it.uses[j], it.uses[i]
	}
	for i, j := 0, len(it.soft)-1; i < j; i, j = i+1, j-1 {
		it.soft[i], it.soft[j] = it.soft[j], it.soft[i]
	}
}

// split cuts it at pos (start < pos < end) and returns the piece from pos
// on, which is unassigned. The piece and its ranges come from arenas
// reused by the next function.
func (a *Allocator) split(it *interval, pos int32) *interval {
	t := a.pieceMem.take(1)
	t[0] = interval{v: it.v, class: it.class, reg: NoPReg, hint: it.hint, hintV: it.hintV, hintAt: it.hintAt, prev: it}
	p := &t[0]
	if i := firstEnding(it.ranges, pos); i < len(it.ranges) {
		if r := it.ranges[i]; pos <= r.from {
			// Share the backing array; the capacity limit keeps the two
			// pieces from growing into each other.
			p.ranges = it.ranges[i:]
			it.ranges = it.ranges[:i:i]
		} else if n := len(it.ranges); n-i <= i+1 {
			// Range i is cut in two: the shorter side gets new storage,
			// so that splitting one long lifetime again and again does
			// not copy it again and again.
			a.steps += int64(n - i)
			p.ranges = a.rangeMem.take(n - i)
			p.ranges[0] = rng{pos, r.to}
			copy(p.ranges[1:], it.ranges[i+1:])
			it.ranges[i].to = pos
			it.ranges = it.ranges[:i+1]
		} else {
			a.steps += int64(i + 1)
			head := a.rangeMem.take(i + 1)
			copy(head, it.ranges[:i+1])
			head[i].to = pos
			p.ranges = it.ranges[i:]
			p.ranges[0].from = pos
			it.ranges = head
		}
	}
	// The scan relies on until <= end for the intervals it tracks.
	it.until = min(it.until, it.end())
	if i := it.firstUse(pos); i < len(it.uses) {
		p.uses = it.uses[i:]
		it.uses = it.uses[:i:i]
	}
	if i := firstIndexAtOrAfter(it.soft, pos); i < len(it.soft) {
		p.soft = it.soft[i:]
		it.soft = it.soft[:i:i]
	}
	return p
}

// arena hands out slices carved from chunks that the next function
// reuses: nothing refers to split pieces once an allocation is done.
type arena[T any] struct {
	chunks [][]T
	next   int // index of the next chunk to hand out
	cur    []T // the rest of the current chunk
}

const arenaChunk = 1024

func (r *arena[T]) reset() { r.next, r.cur = 0, nil }

// take returns n elements (capacity n), not cleared.
func (r *arena[T]) take(n int) []T {
	if n > len(r.cur) {
		for r.next < len(r.chunks) && len(r.chunks[r.next]) < n {
			r.next++
		}
		if r.next == len(r.chunks) {
			r.chunks = append(r.chunks, make([]T, max(n, arenaChunk)))
		}
		r.cur = r.chunks[r.next]
		r.next++
	}
	s := r.cur[:n:n]
	r.cur = r.cur[n:]
	return s
}

// addFixedRev adds [from, to) to a physical register's range list while
// the instructions are walked backwards: the list is kept in descending
// order, disjoint and with touching ranges merged, and new ranges nearly
// always go at its end. finishFixed puts it in ascending order.
func addFixedRev(rs []rng, from, to int32) []rng {
	n := len(rs)
	if n == 0 || to < rs[n-1].from {
		return append(rs, rng{from, to})
	}
	if from > rs[n-1].to {
		return addFixedSlow(rs, from, to)
	}
	// Overlaps or touches the lowest range: merge, then absorb the ranges
	// above that the merged one now reaches.
	m := rng{min(from, rs[n-1].from), max(to, rs[n-1].to)}
	n--
	for n > 0 && rs[n-1].from <= m.to {
		m.to = max(m.to, rs[n-1].to)
		n--
	}
	return append(rs[:n], m)
}

// addFixedSlow inserts [from, to) anywhere in a descending list.
func addFixedSlow(rs []rng, from, to int32) []rng {
	slices.Reverse(rs)
	i := len(rs)
	for i > 0 && rs[i-1].from > from {
		i--
	}
	rs = slices.Insert(rs, i, rng{from, to})
	out := rs[:0]
	for _, r := range rs {
		if n := len(out); n > 0 && r.from <= out[n-1].to {
			out[n-1].to = max(out[n-1].to, r.to)
			continue
		}
		out = append(out, r)
	}
	slices.Reverse(out)
	return out
}
