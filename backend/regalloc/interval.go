package regalloc

import "math"

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
	reg    PReg    // assigned register, or NoPReg
	stack  bool    // lives in the virtual register's spill slot
	hint   PReg    // preferred register
	hintV  VReg    // or: the register another value has at hintPos
	hintAt int32
	// until caches the scan's last look at it: it stays active (or
	// inactive) at positions below until.
	until int32
	// at is the index of the first range ending after the position of
	// the scan's last recheck, which stays the same below until.
	at   int32
	prev *interval // the piece before this one, after a split
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
func intersect(a, b []rng, from int32) int32 {
	return intersectBefore(a, b, from, math.MaxInt32)
}

// intersectBefore is intersect limited to positions below limit: it
// returns -1 when the first common position is limit or later, without
// looking that far.
func intersectBefore(a, b []rng, from, limit int32) int32 {
	return intersectFrom(a, b, firstEnding(a, from), firstEnding(b, from), from, limit)
}

// intersectFrom is intersectBefore given i and j, the indexes of the first
// ranges of a and b ending after from.
func intersectFrom(a, b []rng, i, j int, from, limit int32) int32 {
	for i < len(a) && j < len(b) {
		ra, rb := a[i], b[j]
		lo := max(ra.from, rb.from, from)
		if lo >= limit {
			return -1
		}
		hi := min(ra.to, rb.to)
		if lo < hi {
			return lo
		}
		if ra.to <= rb.to {
			i++
		} else {
			j++
		}
	}
	return -1
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
	lo, hi := 0, len(it.uses)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if it.uses[m] < pos {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == len(it.uses) {
		return -1
	}
	return it.uses[lo]
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

func (it *interval) finish() {
	for i, j := 0, len(it.ranges)-1; i < j; i, j = i+1, j-1 {
		it.ranges[i], it.ranges[j] = it.ranges[j], it.ranges[i]
	}
	for i, j := 0, len(it.uses)-1; i < j; i, j = i+1, j-1 {
		it.uses[i], it.uses[j] = it.uses[j], it.uses[i]
	}
}

// split cuts it at pos (start < pos < end) and returns the piece from pos
// on, which is unassigned.
func (it *interval) split(pos int32) *interval {
	t := &interval{v: it.v, class: it.class, reg: NoPReg, hint: it.hint, hintV: it.hintV, hintAt: it.hintAt, prev: it}
	for i, r := range it.ranges {
		if pos <= r.from {
			// Share the backing array; the capacity limit keeps the two
			// pieces from growing into each other.
			t.ranges = it.ranges[i:]
			it.ranges = it.ranges[:i:i]
			break
		}
		if pos < r.to {
			t.ranges = append([]rng{{pos, r.to}}, it.ranges[i+1:]...)
			it.ranges[i].to = pos
			it.ranges = it.ranges[:i+1]
			break
		}
	}
	// The scan relies on until <= end for the intervals it tracks.
	it.until = min(it.until, it.end())
	for i, u := range it.uses {
		if u >= pos {
			t.uses = it.uses[i:]
			it.uses = it.uses[:i:i]
			break
		}
	}
	return t
}

// addFixed adds [from, to) to a physical register's sorted range list.
func addFixed(rs []rng, from, to int32) []rng {
	i := len(rs)
	for i > 0 && rs[i-1].from > from {
		i--
	}
	rs = append(rs, rng{})
	copy(rs[i+1:], rs[i:])
	rs[i] = rng{from, to}
	// merge neighbours
	out := rs[:0]
	for _, r := range rs {
		if n := len(out); n > 0 && r.from <= out[n-1].to {
			out[n-1].to = max(out[n-1].to, r.to)
			continue
		}
		out = append(out, r)
	}
	return out
}
