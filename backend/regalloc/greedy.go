package regalloc

import (
	"fmt"
	"math"
)

// Algorithm selects how Allocate assigns registers.
type Algorithm uint8

const (
	// Greedy, the default, is a backtracking allocator: lifetimes,
	// joined across copies wherever they do not overlap, are assigned
	// whole, heaviest first, into per-register maps; a lifetime that
	// finds no free register evicts lighter ones or is split, and the
	// pieces are queued again.
	Greedy Algorithm = iota
	// Linear is linear scan with interval splitting (alloc.go).
	Linear
)

func (g Algorithm) String() string {
	switch g {
	case Linear:
		return "linear"
	case Greedy:
		return "greedy"
	}
	return fmt.Sprintf("algorithm%d", uint8(g))
}

// ParseAlgorithm returns the algorithm named s ("linear" or "greedy").
func ParseAlgorithm(s string) (Algorithm, error) {
	switch s {
	case "linear":
		return Linear, nil
	case "greedy":
		return Greedy, nil
	}
	return 0, fmt.Errorf("regalloc: unknown algorithm %q (want linear or greedy)", s)
}

// The greedy allocator (after the design of LLVM's greedy allocator and of
// regalloc2, as published). Its unit is a bundle: the pieces built by
// buildIntervals, each a value's whole lifetime, joined by coalesce across
// every copy where the lifetimes do not overlap (block-argument copies
// above all), later the pieces split from them.
//
// Bundles leave a priority queue by spill weight (register reads and
// writes, 10x per loop level, over the instructions covered), so that the
// values whose spilling would cost most choose first. A bundle takes the
// first register, hints first, whose map has nothing where the bundle is
// live. Failing that, a bundle living in blocks of several loop depths is
// split where it first enters another depth, and the pieces are queued:
// a loop's piece then competes with its loop weight, the piece outside
// with its own. Failing that, it evicts the bundles in the way on the register
// where the heaviest of them is lightest, if all of them are lighter than
// it; they go back to the queue. Failing that, it is split:
//
//   - if some register is free from its start past its first use, the
//     part up to that register's first conflict takes it (the cut moved
//     to a loop boundary when one lies in between and keeps the use), and
//     the rest is queued;
//   - else, the part before its first use goes to the stack slot, cut at
//     the outermost loop boundary in between so the reload leaves loops,
//     and the rest is queued;
//   - else, the bundle is cut after its first instruction: that piece is
//     minimal and may evict any bundle but a minimal one.
//
// Calls reserve the caller-saved registers (fixed ranges in the maps), so
// a bundle living across a call either gets a callee-saved register or is
// split around the call by the same rules. The resolver (resolve.go) then
// inserts the moves between pieces and on edges, as for linear scan.
//
// Eviction is bounded (evictLimit): past it, bundles are split rather than
// evicting, which keeps the work proportional to the function's size. Only
// a minimal bundle still evicts past it: it has no other way to a register.

type greedyItem struct {
	prio float64
	seq  uint32
	it   *interval
}

// maxEvict is the most bundles one eviction may displace.
const maxEvict = 8

func (a *Allocator) greedy() error {
	f := a.f
	a.pieceMem.reset()
	a.rangeMem.reset()
	a.pieces = grow(a.pieces, len(f.VRegClass))
	for v := range a.pieces {
		a.pieces[v] = a.pieces[v][:0]
	}
	a.instrDepth = grow(a.instrDepth, len(f.Instrs))
	for _, blk := range f.Blocks {
		for i := blk.First; i < blk.End; i++ {
			a.instrDepth[i] = blk.LoopDepth
		}
	}
	a.steps += int64(len(f.Instrs))
	a.countDefs()
	a.maps.reset()
	for r := range a.fixed {
		for _, rg := range a.fixed[r] {
			a.maps.insert(PReg(r), rg.from, rg.to, nil, &a.steps)
		}
	}
	a.queue = a.queue[:0]
	a.seq = 0
	a.pieceTree.reset()
	a.pieceRoot = grow(a.pieceRoot, len(f.VRegClass))
	for v := range a.pieceRoot {
		a.pieceRoot[v] = -1
	}
	a.piecesTree = true
	defer a.sortPieces()
	for i, it := range a.children {
		if it != nil && len(it.ranges) > 0 {
			a.firstRanges[i] = it.ranges // joining may have moved them
			a.addPiece(it)
			a.enqueue(it)
		}
	}
	a.evictions = 0
	a.evictLimit = 4*len(a.queue) + 1024
	for len(a.queue) > 0 {
		a.steps++
		if err := a.place(a.dequeue()); err != nil {
			return err
		}
	}
	return nil
}

// sortPieces leaves every value's pieces sorted by start, as resolve
// wants them, from the treaps that found them while greedy ran.
func (a *Allocator) sortPieces() {
	a.piecesTree = false
	for v, ps := range a.pieces {
		if len(ps) > 1 {
			a.pieces[v] = a.pieceTree.inOrder(a.pieceRoot[v], ps[:0], &a.steps)
		}
	}
	a.steps += int64(len(a.pieces))
}

// weigh computes it's spill weight.
func (a *Allocator) weigh(it *interval) {
	if it.minimal {
		it.weight = math.Inf(1)
		return
	}
	if it.size == 0 {
		it.useW, it.size = a.useWeight(it.uses), rangeSize(it.ranges)
		a.steps += int64(len(it.uses) + len(it.ranges))
	}
	it.weight = it.useW / float64(it.size/4+1)
	if a.remat[it.v] >= 0 {
		it.weight /= 2 // a reload is an instruction executed again
	}
}

func (a *Allocator) useWeight(uses []int32) float64 {
	w := 0.0
	for _, u := range uses {
		d := a.instrDepth[a.posInstr[u/4]]
		w += depthWeight[min(d, int32(len(depthWeight)-1))]
	}
	return w
}

func rangeSize(rs []rng) int32 {
	n := int32(0)
	for _, r := range rs {
		n += r.to - r.from
	}
	return n
}

// splitAt is split for the greedy allocator: it also divides the use
// weight and size of it between the two pieces, walking only the shorter
// side, so that cutting a long bundle again and again does not walk it
// again and again.
func (a *Allocator) splitAt(it *interval, pos int32) *interval {
	if it.size == 0 {
		a.weigh(it)
	}
	useW, size := it.useW, it.size
	rest := a.split(it, pos)
	if len(it.uses) <= len(rest.uses) {
		it.useW = a.useWeight(it.uses)
		rest.useW = max(useW-it.useW, 0)
	} else {
		rest.useW = a.useWeight(rest.uses)
		it.useW = max(useW-rest.useW, 0)
	}
	if len(it.ranges) <= len(rest.ranges) {
		it.size = rangeSize(it.ranges)
		rest.size = size - it.size
	} else {
		rest.size = rangeSize(rest.ranges)
		it.size = size - rest.size
	}
	a.steps += int64(min(len(it.uses), len(rest.uses)) + min(len(it.ranges), len(rest.ranges)))
	rest.flat = it.flat
	a.addPiece(rest)
	return rest
}

// loopBoundary returns the first block start where cur, live there, enters
// a block of another loop depth than its start's, or -1. A bundle found
// to have none is marked flat, and so are the pieces split from it, so
// that no bundle is walked twice for nothing.
func (a *Allocator) loopBoundary(cur *interval) int32 {
	if cur.flat {
		return -1
	}
	start := cur.start()
	d0 := a.f.Blocks[a.blockOf(start)].LoopDepth
	for _, rg := range cur.ranges {
		b := a.blockOf(rg.from)
		if a.blockStart[b] <= start {
			b++
		}
		for ; b < len(a.f.Blocks) && a.blockStart[b] < rg.to; b++ {
			a.steps++
			if a.f.Blocks[b].LoopDepth != d0 {
				return a.blockStart[b]
			}
		}
	}
	cur.flat = true
	return -1
}

var depthWeight = [...]float64{1, 10, 100, 1e3, 1e4, 1e5, 1e6}

func (a *Allocator) enqueue(it *interval) {
	a.weigh(it)
	h := append(a.queue, greedyItem{it.weight, a.seq, it})
	a.seq++
	i := len(h) - 1
	e := h[i]
	for i > 0 {
		a.steps++
		p := (i - 1) / 2
		if !e.before(h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = e
	a.queue = h
}

// before orders the queue: heavier first, then first queued.
func (x greedyItem) before(y greedyItem) bool {
	if x.prio != y.prio {
		return x.prio > y.prio
	}
	return x.seq < y.seq
}

func (a *Allocator) dequeue() *interval {
	h := a.queue
	top := h[0].it
	n := len(h) - 1
	e := h[n]
	h = h[:n]
	i := 0
	for {
		a.steps++
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && h[c+1].before(h[c]) {
			c++
		}
		if !h[c].before(e) {
			break
		}
		h[i] = h[c]
		i = c
	}
	if n > 0 {
		h[i] = e
	}
	a.queue = h
	return top
}

// place gives cur a register, evicting or splitting as needed, or the
// stack if it needs no register.
func (a *Allocator) place(cur *interval) error {
	if len(cur.uses) == 0 && cur.prev != nil {
		// It needs no register: a piece split off takes the stack or
		// the register of a neighbouring piece, whichever costs fewer
		// moves, stores and reloads where it meets its neighbours.
		r, saved := a.edgeChoice(cur)
		if r != NoPReg && saved == 0 {
			a.assign(cur, r)
			return nil
		}
		if r != NoPReg && a.evictions < a.evictLimit {
			// The register is taken: worth the copies it saves, cur
			// may evict lighter bundles in its way.
			cur.weight = saved / float64(cur.size/4+1)
			if _, ok := a.evictCost(r, cur); ok {
				a.evict(r, cur)
				a.assign(cur, r)
				return nil
			}
		}
		cur.stack = true
		return nil
	}
	c := cur.class
	order := a.info.Order[c]
	const unknown = -2
	var conflict [64]int32
	for _, r := range order {
		conflict[r] = unknown
	}
	for _, h := range a.greedyHints(cur) {
		if h == NoPReg || !a.allocatable[c].Has(h) || conflict[h] != unknown {
			continue
		}
		if conflict[h] = a.firstConflict(h, cur); conflict[h] < 0 {
			a.assign(cur, h)
			return nil
		}
	}
	if h := cur.hint; h != NoPReg && a.allocatable[c].Has(h) && a.recolor(h, cur) {
		a.assign(cur, h)
		return nil
	}
	for _, r := range order {
		if conflict[r] != unknown {
			continue
		}
		if conflict[r] = a.firstConflict(r, cur); conflict[r] < 0 {
			a.assign(cur, r)
			return nil
		}
	}
	if len(cur.uses) == 0 {
		// A whole value that needs no register (read as a memory
		// operand, or only copied: into a call's argument registers, or
		// as a two-address source) weighs nothing, so it comes last and
		// takes what is left: a register free all along (above), else
		// the one free longest, up to its conflict, if that covers a
		// read; the rest goes to the stack.
		if best := a.longestFree(cur, conflict); best != NoPReg && len(cur.soft) > 0 {
			if hi := gapFloor(conflict[best]); hi > cur.soft[0] && hi > cur.start() {
				rest := a.splitAt(cur, a.splitPos(cur.start(), hi))
				a.assign(cur, best)
				a.enqueue(rest)
				return nil
			}
		}
		cur.stack = true
		return nil
	}
	if !cur.minimal {
		if pos := a.loopBoundary(cur); pos >= 0 {
			rest := a.splitAt(cur, pos)
			a.enqueue(cur)
			a.enqueue(rest)
			return nil
		}
	}
	// Past the eviction budget only minimal bundles evict: they cannot
	// be split, and the bundles they push out can (so this still ends).
	if a.evictions < a.evictLimit || cur.minimal {
		best, bestCost := NoPReg, math.Inf(1)
		for _, r := range order {
			if cost, ok := a.evictCost(r, cur); ok && cost < bestCost {
				best, bestCost = r, cost
			}
		}
		if best != NoPReg {
			a.evict(best, cur)
			a.assign(cur, best)
			return nil
		}
	}
	if cur.minimal {
		return fmt.Errorf("regalloc: out of %s registers at instr %d", c, a.posInstr[gapFloor(cur.uses[0])/4])
	}
	return a.splitBundle(cur, &conflict)
}

// maxRecolor is the most bundles recolor moves for one.
const maxRecolor = 4

// recolor frees register h for cur, which is copied to or from h (a fixed
// register: an argument, a result), by moving the few bundles in its way
// that do not want h themselves to other registers free for them. Without
// it, a bundle that merely came first keeps h, and cur's copy stays.
// Nothing is queued again: either every bundle in the way finds a
// register, or all of them are put back.
func (a *Allocator) recolor(h PReg, cur *interval) bool {
	a.markEpoch++
	epoch := a.markEpoch
	ev := a.evicted[:0]
	ok := true
	a.conflicts(h, cur, func(o *interval) bool {
		if o == nil || o.hint == h || o.minimal || len(ev) == maxRecolor {
			ok = false
			return false
		}
		if o.mark != epoch {
			o.mark = epoch
			ev = append(ev, o)
		}
		return true
	})
	defer func() {
		clear(ev)
		a.evicted = ev[:0]
	}()
	if !ok || len(ev) == 0 {
		return false
	}
	for _, o := range ev {
		a.unassign(o)
	}
	moved := 0
	for _, o := range ev {
		r := NoPReg
		hints := a.greedyHints(o)
		for _, x := range append(hints[:], a.info.Order[o.class]...) {
			if x != h && x != NoPReg && a.allocatable[o.class].Has(x) && a.firstConflict(x, o) < 0 {
				r = x
				break
			}
		}
		if r == NoPReg {
			break
		}
		a.assign(o, r)
		moved++
	}
	if moved == len(ev) {
		return true
	}
	for _, o := range ev[:moved] {
		a.unassign(o)
	}
	for _, o := range ev {
		a.assign(o, h)
	}
	return false
}

func (a *Allocator) unassign(o *interval) {
	for _, rg := range o.ranges {
		a.maps.remove(o.reg, rg.from, &a.steps)
	}
	o.reg = NoPReg
}

// longestFree returns the register whose first conflict with cur comes
// last, given every register's first conflict.
func (a *Allocator) longestFree(cur *interval, conflict [64]int32) PReg {
	best := NoPReg
	for _, r := range a.info.Order[cur.class] {
		if best == NoPReg || conflict[r] > conflict[best] {
			best = r
		}
	}
	return best
}

// greedyHints lists the registers cur would like, best first: a fixed
// register it is copied to or from, the register of the value a copy
// defines it from, and the registers of its neighbouring pieces (where
// moves then vanish).
func (a *Allocator) greedyHints(cur *interval) [4]PReg {
	h := [4]PReg{cur.hint, NoPReg, NoPReg, NoPReg}
	if cur.hintV >= 0 {
		if p := a.pieceAt(a.find(cur.hintV), cur.hintAt); p != nil {
			h[1] = p.reg
		}
	}
	if cur.prev != nil {
		h[2] = cur.prev.reg
	}
	if p := a.pieceAt(cur.v, cur.end()); p != nil && p != cur {
		h[3] = p.reg
	}
	return h
}

// firstConflict returns the first position where cur meets a range of
// register r, or -1.
func (a *Allocator) firstConflict(r PReg, cur *interval) int32 {
	m := &a.maps
	rs := cur.ranges
	for i := 0; i < len(rs); {
		a.steps++
		rg := rs[i]
		n := m.endingAfter(r, rg.from, &a.steps)
		if n < 0 {
			return -1
		}
		nd := &m.nodes[n]
		if nd.from < rg.to {
			return max(nd.from, rg.from)
		}
		// Nothing of r lies between rg.from and nd.from: skip the
		// ranges of cur that end before nd starts.
		i = skipEnding(rs, i+1, nd.from, &a.steps)
	}
	return -1
}

// conflicts calls visit with every bundle of register r meeting cur (nil
// for a fixed range), possibly more than once each, until visit returns
// false.
func (a *Allocator) conflicts(r PReg, cur *interval, visit func(*interval) bool) {
	m := &a.maps
	rs := cur.ranges
	for i := 0; i < len(rs); {
		a.steps++
		rg := rs[i]
		n := m.endingAfter(r, rg.from, &a.steps)
		if n < 0 {
			return
		}
		if m.nodes[n].from >= rg.to {
			i = skipEnding(rs, i+1, m.nodes[n].from, &a.steps)
			continue
		}
		for n >= 0 && m.nodes[n].from < rg.to {
			if !visit(m.nodes[n].owner) {
				return
			}
			n = m.next(r, n, &a.steps)
		}
		i++
	}
}

// evictCost reports whether the bundles in cur's way on register r may be
// evicted (none fixed, none as heavy as cur, not too many), and if so the
// weight of the heaviest.
func (a *Allocator) evictCost(r PReg, cur *interval) (float64, bool) {
	a.markEpoch++
	epoch := a.markEpoch
	cost, n, ok := 0.0, 0, true
	a.conflicts(r, cur, func(o *interval) bool {
		if o == nil || o.minimal || o.weight >= cur.weight {
			ok = false
			return false
		}
		if o.mark != epoch {
			o.mark = epoch
			if n++; n > maxEvict {
				ok = false
				return false
			}
			cost = max(cost, o.weight)
		}
		return true
	})
	return cost, ok && n > 0
}

// evict takes the bundles in cur's way off register r and queues them.
func (a *Allocator) evict(r PReg, cur *interval) {
	a.markEpoch++
	epoch := a.markEpoch
	ev := a.evicted[:0]
	a.conflicts(r, cur, func(o *interval) bool {
		if o.mark != epoch {
			o.mark = epoch
			ev = append(ev, o)
		}
		return true
	})
	for _, o := range ev {
		for _, rg := range o.ranges {
			a.maps.remove(r, rg.from, &a.steps)
		}
		o.reg = NoPReg
		a.evictions++
		a.enqueue(o)
	}
	clear(ev)
	a.evicted = ev[:0]
}

func (a *Allocator) assign(cur *interval, r PReg) {
	cur.reg = r
	for _, rg := range cur.ranges {
		a.maps.insert(r, rg.from, rg.to, cur, &a.steps)
	}
}

// splitBundle cuts cur, which no register can take whole, as described
// above. conflict holds every register's first conflict with cur.
func (a *Allocator) splitBundle(cur *interval, conflict *[64]int32) error {
	start, u := cur.start(), cur.uses[0]
	if best := a.longestFree(cur, *conflict); best != NoPReg {
		if hi := gapFloor(conflict[best]); hi > u {
			pos := a.splitPos(start, hi)
			if pos <= u {
				pos = hi
			}
			rest := a.splitAt(cur, pos)
			a.assign(cur, best)
			a.enqueue(rest)
			return nil
		}
	}
	if g := gapFloor(u); g > start {
		rest := a.splitAt(cur, a.splitPos(start, g))
		cur.stack = true
		a.enqueue(rest)
		return nil
	}
	if end := gapFloor(u) + 4; end < cur.end() {
		rest := a.splitAt(cur, end)
		a.enqueue(rest)
	}
	cur.minimal = true
	a.enqueue(cur)
	return nil
}

// Costs of the copies where a piece meets its neighbours, per execution.
const (
	moveCost   = 1 // register to register
	memoryCost = 2 // a store or a reload
)

// edgeChoiceSpan bounds the blocks a piece may span for edgeChoice to
// weigh its neighbours: the walk visits each of them, twice, and in giant
// functions (interpreter loops of thousands of blocks) the pieces without
// register uses that span most of the function would make it quadratic.
// Such a piece takes the stack, as every piece did before edgeChoice.
const edgeChoiceSpan = 128

// edgeChoice returns the register, among those of cur's neighbouring
// pieces and free all along cur, that costs less than the stack at the
// places where cur meets its neighbours (across control flow edges and
// where it was split inside a block), weighted by loop depth; or NoPReg
// if the stack costs least. A piece without register uses that stays on
// the stack makes every path into it from a register piece reload; at a
// loop head, that is every iteration.
func (a *Allocator) edgeChoice(cur *interval) (PReg, float64) {
	if a.blockOf(cur.end())-a.blockOf(cur.start()) > edgeChoiceSpan {
		return NoPReg, 0
	}
	var cands [8]PReg
	var cost [8]float64
	n := 0
	stackCost := 0.0
	seen := false
	// The neighbours are found once and weighed twice: finding them
	// looks up a piece on every edge of cur's blocks.
	met := a.met[:0]
	a.neighbours(cur, func(q *interval, w float64, in bool) {
		met = append(met, meeting{q, w, in})
	})
	defer func() {
		clear(met)
		a.met = met[:0]
	}()
	for _, m := range met {
		q, w, in := m.q, m.w, m.in
		seen = true
		if q.reg == NoPReg && !q.stack {
			continue // counted as the stack below: it may go there
		}
		if q.stack {
			continue // stack to stack costs nothing; cands pay below
		}
		if !in {
			stackCost += w * memoryCost // a reload into q
		} else if a.defOnce(cur.v) {
			// stored once after its definition (storeOnce)
		} else {
			stackCost += w * memoryCost
		}
		known := false
		for i := 0; i < n; i++ {
			if cands[i] == q.reg {
				known = true
				break
			}
		}
		if !known && n < len(cands) && a.allocatable[cur.class].Has(q.reg) {
			cands[n] = q.reg
			n++
		}
	}
	if !seen || n == 0 {
		return NoPReg, 0
	}
	a.steps += int64(len(met))
	for _, m := range met {
		q, w := m.q, m.w
		for i := 0; i < n; i++ {
			switch {
			case q.stack, q.reg == NoPReg:
				cost[i] += w * memoryCost
			case q.reg == cands[i]:
			default:
				cost[i] += w * moveCost
			}
		}
	}
	best, bestCost := NoPReg, stackCost
	taken, takenCost := NoPReg, stackCost
	for i := 0; i < n; i++ {
		if cost[i] >= bestCost {
			continue
		}
		if a.firstConflict(cands[i], cur) < 0 {
			best, bestCost = cands[i], cost[i]
		} else if cost[i] < takenCost {
			taken, takenCost = cands[i], cost[i]
		}
	}
	if best != NoPReg {
		return best, 0
	}
	return taken, stackCost - takenCost
}

// defOnce reports whether v's class has a single definition, whose store
// after it then serves every piece on the stack (storeOnce).
func (a *Allocator) defOnce(v VReg) bool { return a.defAt[v] >= 0 }

// countDefs fills defAt, for edgeChoice and storeOnce: the instruction
// defining each class (every member's definitions count), -1 none, -2
// several.
func (a *Allocator) countDefs() {
	f := a.f
	a.defAt = grow(a.defAt, len(f.VRegClass))
	for v := range a.defAt {
		a.defAt[v] = -1
	}
	for i, in := range f.Instrs {
		for _, op := range f.Operands[in.First:in.End] {
			if op.Kind == Use {
				continue
			}
			r := a.find(op.V)
			if a.defAt[r] == -1 {
				a.defAt[r] = int32(i)
			} else {
				a.defAt[r] = -2
			}
		}
	}
	a.steps += int64(len(f.Operands) + len(a.defAt))
}

// meeting is a neighbouring piece as neighbours reports it.
type meeting struct {
	q  *interval
	w  float64
	in bool
}

// neighbours calls visit with every other piece of cur's value meeting cur:
// across a control flow edge into or out of one of cur's ranges, or where
// a range starts or ends inside a block. w is the loop weight of the place
// the copy would go; in tells whether the copy goes from q to cur.
func (a *Allocator) neighbours(cur *interval, visit func(q *interval, w float64, in bool)) {
	f := a.f
	v := cur.v
	dw := func(b int) float64 {
		return depthWeight[min(f.Blocks[b].LoopDepth, int32(len(depthWeight)-1))]
	}
	for _, rg := range cur.ranges {
		b0 := a.blockOf(rg.from)
		if rg.from != a.blockStart[b0] {
			if q := a.pieceAt(v, rg.from-1); q != nil && q != cur {
				visit(q, dw(b0), true)
			}
		}
		b := b0
		for ; b < len(f.Blocks) && a.blockStart[b] < rg.to; b++ {
			a.steps++
			if a.blockStart[b] >= rg.from {
				for _, p := range a.preds[b] {
					a.steps++
					if q := a.pieceAt(v, a.blockEnd[p]-1); q != nil && q != cur {
						at := b
						if len(f.Blocks[p].Succs) == 1 {
							at = int(p)
						}
						visit(q, dw(at), true)
					}
				}
			}
			if a.blockEnd[b] <= rg.to {
				for _, s := range f.Blocks[b].Succs {
					a.steps++
					if q := a.pieceAt(v, a.blockStart[s]); q != nil && q != cur {
						at := int(s)
						if len(f.Blocks[b].Succs) == 1 {
							at = b
						}
						visit(q, dw(at), false)
					}
				}
			}
		}
		if e := b - 1; rg.to < a.blockEnd[e] {
			if q := a.pieceAt(v, rg.to); q != nil && q != cur {
				visit(q, dw(e), false)
			}
		}
	}
}
