package regalloc

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// Allocator holds the reusable state of the allocator. It is not safe for
// concurrent use; use one per compiling goroutine.
type Allocator struct {
	// Algorithm is the allocation algorithm of the next Allocate (the
	// zero value: Greedy).
	Algorithm Algorithm

	info        *RegInfo
	allocatable [NumClasses]RegSet

	f          *Func
	preds      [][]int32
	instrPos   []int32
	blockStart []int32
	blockEnd   []int32
	// shallower[b] is the last block before b with a smaller loop depth,
	// or -1.
	shallower []int32
	posInstr  []int32 // pos/4 -> instruction, or -1 for a block start
	// The values live on entry to each block: per block, ascending, those
	// live into few blocks (liveIn); the others (denseV, ascending) as bits
	// of denseBits[d/64][b], d their index in denseV. See liveIns.
	liveIn    [][]VReg
	denseV    []VReg
	denseBits [][]uint64
	liveBuf   []VReg  // liveIns scratch
	denseOf   []int32 // buildIntervals scratch: per value, its index in denseV or -1
	pending   []rng   // buildIntervals scratch, per dense value
	seen      []int32
	children  []*interval // per virtual register: its first piece
	// first backs children: first[v] is reused for v by every function,
	// along with the capacity of its range and use lists.
	first []interval
	// firstRanges[v] is the storage of first[v]'s ranges, kept apart:
	// splitting may point first[v].ranges into an arena chunk.
	firstRanges [][]rng
	// Liveness scratch, see liveness.
	genAt, killAt       []int32
	pairs, pairsByV     []livePair
	pairFirst, pairNext []int32
	liveMark, killMark  []int32
	work                []int32
	moves               []pmove // resolve scratch
	sorted              []pmove
	keys                []uint64 // scan scratch
	fixed               [64][]rng
	// fixedAt[r] skips the ranges of fixed[r] that end before the scan
	// position, which only grows.
	fixedAt [64]int
	copies  []copyReq

	pieces [][]*interval // per virtual register, every piece
	// While the greedy allocator runs, pieces are unsorted and each
	// value's pieces are found in a treap (pieceRoot[v] in pieceTree):
	// it splits bundles anywhere, and keeping a long lifetime's many
	// pieces sorted in a slice would move them at every split.
	pieceTree  treap
	pieceRoot  []int32
	piecesTree bool
	unhandled  []queued // a heap, see unhandled.go
	seq        uint32   // queueing order, for ties in unhandled
	active     []*interval
	inactive   []inactiveEntry // a heap, see inactive.go
	found      []int32         // wakeBefore scratch
	stack      []int32
	moved      []*interval // scratch for scan
	pieceMem   arena[interval]
	rangeMem   arena[rng]
	slot       []int32 // per virtual register, -1 if it never spills
	pieceCur   []int32 // per virtual register, the piece pieceIndex found last
	edgeCur    []int32 // per virtual register, the piece at the end of the last block
	// span and pieceStart hold the start of every piece of a value that
	// was split, value by value, for resolve.
	span       []pieceSpan
	pieceStart []int32
	pieceStack []bool // per piece start: whether the piece is in the stack slot
	// pieceAtStart[b]: a piece of some value starts at block b's start.
	pieceAtStart []bool
	scratch      int32
	// Coalescing, see coalesce.go.
	alias      []VReg // per virtual register: the value it joined, or itself
	dropped    []bool // per instruction: a copy made redundant
	anyDropped bool
	joinRanges []rng
	joinNext   []VReg     // per value: the next member of its class, a ring
	joinDrops  []joinDrop // the uses of dropped copies in joined classes
	dropKeys   []uint64   // gatherUses scratch
	joinPos    []int32

	// The greedy allocator's, see greedy.go.
	maps       regMaps
	queue      []greedyItem
	instrDepth []int32
	markEpoch  uint32
	evicted    []*interval
	met        []meeting // edgeChoice scratch
	defAt      []int32   // storeOnce scratch: per value, its definition
	spillW     []float64 // storeOnce scratch: per value, its stores' weight
	remat      []int32   // per value: its Instr.Remat definition, or < 0
	evictions  int
	evictLimit int

	res *Result
	// steps counts the work of the last Allocate, see Steps.
	steps int64
}

// Steps returns a count of the elementary steps (loop iterations over
// intervals, ranges, pieces and blocks) the last Allocate took: a measure
// of its work that, unlike time, does not depend on the machine.
func (a *Allocator) Steps() int64 { return a.steps }

// New returns an allocator for the register file described by info.
func New(info *RegInfo) *Allocator {
	a := &Allocator{info: info}
	for c := range NumClasses {
		for _, r := range info.Order[c] {
			a.allocatable[c] = a.allocatable[c].With(r)
		}
	}
	return a
}

// Allocate assigns locations to every operand of f. The returned Result is
// owned by the caller.
func (a *Allocator) Allocate(f *Func) (*Result, error) {
	a.f = f
	a.steps = int64(len(f.Instrs) + len(f.Blocks) + len(f.Operands))
	a.preds = grow(a.preds, len(f.Blocks))
	for b := range a.preds {
		a.preds[b] = a.preds[b][:0]
	}
	for b, blk := range f.Blocks {
		for _, s := range blk.Succs {
			if s >= 0 && int(s) < len(f.Blocks) {
				a.preds[s] = append(a.preds[s], int32(b))
			}
		}
	}
	if err := a.validate(); err != nil {
		return nil, err
	}
	a.number()
	if err := a.liveness(); err != nil {
		return nil, err
	}
	a.findRemat()
	a.buildIntervals()
	a.coalesce(a.Algorithm == Greedy)
	scan := a.scan
	if a.Algorithm == Greedy {
		scan = a.greedy
	}
	if err := scan(); err != nil {
		return nil, err
	}
	return a.resolve()
}

func gapFloor(pos int32) int32 { return pos &^ 3 }

func (a *Allocator) blockOf(pos int32) int {
	return sort.Search(len(a.blockStart), func(b int) bool { return a.blockStart[b] > pos }) - 1
}

// splitPos picks where to split an interval between lo (exclusive) and hi
// (a gap or block start, inclusive): at hi, unless a block boundary in
// between leaves a deeper loop, in which case the boundary wins, so that
// spill and reload code stays out of loops.
func (a *Allocator) splitPos(lo, hi int32) int32 {
	bLo, bHi := a.blockOf(lo), a.blockOf(hi)
	best, depth := hi, a.f.Blocks[bHi].LoopDepth
	// The boundary wanted follows the last of the shallowest blocks
	// among bLo..bHi-1, if it is shallower than bHi. From the right,
	// each shallower block is the shallower-block link of the one
	// before, so the walk takes at most one step per loop level.
	for j := bHi - 1; j >= bLo; j = int(a.shallower[j]) {
		a.steps++
		if d := a.f.Blocks[j].LoopDepth; d < depth {
			best, depth = a.blockStart[j+1], d
		}
	}
	return best
}

func (a *Allocator) scan() error {
	a.pieceMem.reset()
	a.rangeMem.reset()
	a.pieces = grow(a.pieces, len(a.f.VRegClass))
	for v := range a.pieces {
		a.pieces[v] = a.pieces[v][:0]
	}
	a.unhandled = a.unhandled[:0]
	a.fixedAt = [64]int{}
	a.active = a.active[:0]
	a.inactive = a.inactive[:0]
	// Order by start, descending, ties in register order: sort keys
	// holding the start's complement above the position in children.
	keys := a.keys[:0]
	for i, it := range a.children {
		if it != nil && len(it.ranges) > 0 {
			a.firstRanges[i] = it.ranges // joining may have moved them
			a.pieces[it.v] = append(a.pieces[it.v], it)
			keys = append(keys, uint64(math.MaxUint32-uint32(it.start()))<<32|uint64(i))
		}
	}
	slices.Sort(keys)
	// Sorted by queue key, the array is a heap already.
	a.seq = 0
	for i := len(keys) - 1; i >= 0; i-- {
		it := a.children[uint32(keys[i])]
		a.unhandled = append(a.unhandled, queued{a.queueKey(it), it})
	}
	a.keys = keys
	for len(a.unhandled) > 0 {
		a.steps++
		cur := a.nextUnhandled()
		pos := cur.start()
		act := a.active[:0]
		moved := a.moved[:0]
		a.steps += int64(len(a.active))
		for _, it := range a.active {
			switch {
			case pos < it.until: // until <= end: still live
				act = append(act, it)
			case it.end() <= pos:
			case !it.recheck(pos):
				moved = append(moved, it)
			default:
				act = append(act, it)
			}
		}
		a.active = act
		// Wake up the inactive intervals whose hole ends here.
		for len(a.inactive) > 0 && a.inactive[0].until <= pos {
			e := &a.inactive[0]
			it := e.it
			if it.end() <= pos {
				a.popInactive()
				continue
			}
			if it.recheck(pos) {
				a.active = append(a.active, it)
				a.popInactive()
				continue
			}
			e.until = it.until
			a.siftDown(0)
		}
		for _, it := range moved {
			a.pushInactive(it)
		}
		a.moved = moved[:0]
		if !a.tryFree(cur) {
			if err := a.allocBlocked(cur); err != nil {
				return err
			}
		}
		if cur.reg != NoPReg {
			cur.until = cur.ranges[0].to
			a.active = append(a.active, cur)
		}
	}
	return nil
}

// hints lists the registers cur would like, best first.
func (a *Allocator) hints(cur *interval) [4]PReg {
	h := [4]PReg{NoPReg, NoPReg, NoPReg, NoPReg}
	if cur.prev != nil {
		h[0] = cur.prev.reg
		// A reload goes back to the register the value had before it
		// was spilled: where other pieces of it still expect it to be,
		// at block boundaries, moves then vanish.
		for p := cur.prev; p != nil && h[0] == NoPReg; p = p.prev {
			if p.reg != NoPReg {
				h[3] = p.reg
				break
			}
		}
	}
	h[1] = cur.hint
	if cur.hintV >= 0 {
		if p := a.pieceAt(a.find(cur.hintV), cur.hintAt); p != nil {
			h[2] = p.reg
		}
	}
	return h
}

// pieceAt finds the piece of v covering pos.
func (a *Allocator) pieceAt(v VReg, pos int32) *interval {
	if a.piecesTree {
		if n := a.pieceTree.atOrBefore(a.pieceRoot[v], pos, &a.steps); n >= 0 {
			if p := a.pieceTree.nodes[n].owner; p.covers(pos) {
				return p
			}
		}
		return nil
	}
	ps := a.pieces[v]
	i := a.pieceBefore(ps, pos)
	if i >= 0 && ps[i].covers(pos) {
		return ps[i]
	}
	return nil
}

// pieceBefore returns the index of the last of pieces ps (sorted by
// start) starting at or before pos, or -1.
func (a *Allocator) pieceBefore(ps []*interval, pos int32) int {
	lo, hi := 0, len(ps)
	for lo < hi {
		a.steps++
		m := int(uint(lo+hi) >> 1)
		if ps[m].start() <= pos {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo - 1
}

// addPiece records a piece made by a split among its value's pieces,
// which are kept sorted by start. Splits mostly happen near the scan
// position, so the new piece usually goes at or near the end.
func (a *Allocator) addPiece(it *interval) {
	if a.piecesTree {
		a.pieces[it.v] = append(a.pieces[it.v], it)
		a.pieceRoot[it.v] = a.pieceTree.add(a.pieceRoot[it.v], it.start(), it.end(), it, &a.steps)
		return
	}
	ps := append(a.pieces[it.v], it)
	s := it.start()
	i := len(ps) - 1
	for i > 0 && ps[i-1].start() > s {
		a.steps++
		ps[i] = ps[i-1]
		i--
	}
	ps[i] = it
	a.pieces[it.v] = ps
}

func (a *Allocator) tryFree(cur *interval) bool {
	var free [64]int32
	c := cur.class
	order := a.info.Order[c]
	for _, r := range order {
		free[r] = math.MaxInt32
	}
	for _, it := range a.active {
		if it.class == c {
			free[it.reg] = 0
		}
	}
	start := cur.start()
	// Only an intersection before the register's current limit matters.
	// The first range of cur ends after start; so do every range from
	// fixedFrom and, for an inactive interval, every range from it.at on.
	// An inactive interval is dead below it.until, so it cannot meet cur
	// before min(it.until, end).
	end := cur.end()
	a.steps += int64(len(a.active))
	for _, k := range a.wakeBefore(end) {
		a.steps++
		if e := &a.inactive[k]; e.class == c && e.until < free[e.reg] {
			it := e.it
			if p := intersectFrom(it.ranges, cur.ranges, int(it.at), 0, start, free[e.reg], &a.steps); p >= 0 {
				free[e.reg] = p
			}
		}
	}
	for _, r := range order {
		if free[r] > start {
			if p := intersectFrom(a.fixedFrom(r, start), cur.ranges, 0, 0, start, free[r], &a.steps); p >= 0 {
				free[r] = p
			}
		}
	}
	for _, h := range a.hints(cur) {
		if h != NoPReg && a.allocatable[c].Has(h) && free[h] >= end {
			cur.reg = h
			return true
		}
	}
	best := NoPReg
	for _, r := range order {
		if free[r] >= end {
			cur.reg = r
			return true
		}
		if best == NoPReg || free[r] > free[best] {
			best = r
		}
	}
	if best == NoPReg {
		return false
	}
	hi := gapFloor(free[best])
	if hi <= start {
		return false
	}
	cur.reg = best
	a.addUnhandled(a.split(cur, a.splitPos(start, hi)))
	return true
}

// fixedFrom returns the fixed ranges of r that end after pos.
func (a *Allocator) fixedFrom(r PReg, pos int32) []rng {
	rs, i := a.fixed[r], a.fixedAt[r]
	for i < len(rs) && rs[i].to <= pos {
		i++
	}
	a.fixedAt[r] = i
	return rs[i:]
}

func (a *Allocator) allocBlocked(cur *interval) error {
	var next, block [64]int32
	c := cur.class
	order := a.info.Order[c]
	for _, r := range order {
		next[r], block[r] = math.MaxInt32, math.MaxInt32
	}
	start := cur.start()
	g := gapFloor(start)
	// Belady: evict what is read furthest away. Gap copies that could
	// read the stack slot count too: evicting a value copied soon costs a
	// store now and a load then.
	for _, it := range a.active {
		if it.class != c {
			continue
		}
		u := it.nextUse(g)
		switch {
		case u >= 0 && u < g+4:
			next[it.reg] = start // needed in this instruction: cannot move
		default:
			if r := it.nextRead(g); r >= 0 {
				next[it.reg] = min(next[it.reg], r)
			}
		}
	}
	// The bound below depends on the register, and most entries pass it:
	// a plain walk of the heap's array beats its pruned walk.
	a.steps += int64(len(a.active) + 2*len(a.inactive))
	for k := range a.inactive {
		e := &a.inactive[k]
		// Evicting it means splitting it where it comes back to life,
		// which needs no copy. Only a use sooner than the register's
		// current one matters, so look for the (costlier) intersection
		// only then, from the first range ending after start (it.at).
		// Every read is a live position, so none comes before e.until,
		// where it comes back to life.
		if e.class != c || e.until >= next[e.reg] {
			continue
		}
		it := e.it
		u := it.nextRead(start)
		if u < 0 || u >= next[e.reg] {
			continue
		}
		// A read is a live position: cur covering it settles the
		// question without walking both range lists.
		a.steps++
		if cur.covers(u) || intersectFrom(it.ranges, cur.ranges, int(it.at), 0, start, math.MaxInt32, &a.steps) >= 0 {
			next[e.reg] = u
		}
	}
	// A fixed range of r meeting cur limits r's next use and blocks r
	// there. Only a meeting before r's next use matters to the choice of
	// register (one at start+3 or later does not exclude r), so the
	// search stops there; the register chosen gets a full search.
	var limited RegSet
	for _, r := range order {
		if next[r] <= start {
			continue // r cannot be chosen
		}
		limit := max(next[r], start+4)
		if p := intersectBefore(a.fixedFrom(r, start), cur.ranges, start, limit, &a.steps); p >= 0 {
			block[r] = min(block[r], p)
			next[r] = min(next[r], p)
		} else if limit != math.MaxInt32 {
			limited = limited.With(r)
		}
	}
	end := cur.end()
	best := NoPReg
	for _, r := range order {
		if next[r] <= start || (block[r] < end && gapFloor(block[r]) <= start) {
			continue
		}
		if best == NoPReg || next[r] > next[best] {
			best = r
		}
	}
	if best != NoPReg && limited.Has(best) {
		if p := intersect(a.fixedFrom(best, start), cur.ranges, start, &a.steps); p >= 0 {
			block[best] = p
		}
	}
	first := cur.nextUse(start)
	if first < 0 {
		first = math.MaxInt32
	}
	read := cur.nextRead(start)
	if read < 0 {
		read = math.MaxInt32
	}
	if best == NoPReg || read > next[best] {
		// Every register is needed sooner than cur needs one: cur goes to
		// its stack slot until just before its next use.
		if first == math.MaxInt32 {
			cur.stack = true
			return nil
		}
		if hi := gapFloor(first); hi > start {
			cur.stack = true
			a.addUnhandled(a.split(cur, a.splitPos(start, hi)))
			return nil
		}
		if best == NoPReg {
			return fmt.Errorf("regalloc: out of %s registers at instr %d", c, a.posInstr[start/4])
		}
	}
	cur.reg = best
	if block[best] < end {
		a.addUnhandled(a.split(cur, a.splitPos(start, gapFloor(block[best]))))
	}
	// Evict the intervals holding best where they meet cur.
	act := a.active[:0]
	for _, it := range a.active {
		if it.reg == best && it.class == c {
			if err := a.spillFrom(it, g, start); err != nil {
				return err
			}
			continue
		}
		act = append(act, it)
	}
	a.active = act
	// The inactive intervals holding best that meet cur are split where
	// they wake up; what is left of each ends before start and leaves the
	// heap at the next step. Their smaller until needs the heap order
	// restored.
	changed := false
	for k := range a.inactive {
		e := &a.inactive[k]
		if e.reg != best || e.class != c {
			continue
		}
		if it := e.it; intersectFrom(it.ranges, cur.ranges, int(it.at), 0, start, math.MaxInt32, &a.steps) >= 0 {
			a.addUnhandled(a.split(it, it.nextCover(start)))
			e.until = it.until
			changed = true
		}
	}
	if changed {
		a.steps += int64(len(a.inactive))
		a.heapify()
	}
	return nil
}

// spillFrom moves it to its stack slot from pos on, and queues the part
// from its next register use for allocation again. now is the scan
// position: nothing before it may be queued.
func (a *Allocator) spillFrom(it *interval, pos, now int32) error {
	t := it
	if pos > it.start() {
		// Spill as early as the uses allow when that leaves a loop.
		lo := it.start()
		if i := it.firstUse(pos); i > 0 {
			lo = max(lo, it.uses[i-1])
		}
		if lo < pos {
			pos = a.splitPos(lo, pos)
		}
		t = a.split(it, pos)
		a.addPiece(t)
	}
	t.reg, t.stack = NoPReg, true
	u := t.nextUse(t.start())
	if u < 0 {
		return nil
	}
	hi, lo := gapFloor(u), max(t.start(), now)
	if hi <= lo {
		return fmt.Errorf("regalloc: internal error: cannot reload v%d before %d", t.v, u)
	}
	r := a.split(t, a.splitPos(lo, hi))
	a.addUnhandled(r)
	return nil
}
