package regalloc

import (
	"fmt"
	"math/bits"
	"slices"
)

// copyReq is a copy demanded by an operand constraint, resolved to
// locations once allocation is done.
type copyReq struct {
	at      int32 // instruction the copy goes before
	postDef bool  // copies out of fixed result registers, before the gap copies
	v       VReg  // value copied
	fromV   VReg  // source: fromFixed, or fromV's location at fromPos
	fromPos int32
	fromFix PReg
	toV     VReg // destination: toFixed, or toV's location at toPos
	toPos   int32
	toFix   PReg
}

func (a *Allocator) validate() error {
	f := a.f
	if len(f.Blocks) == 0 {
		return fmt.Errorf("regalloc: function has no blocks")
	}
	next := int32(0)
	for b, blk := range f.Blocks {
		if blk.First != next || blk.End <= blk.First {
			return fmt.Errorf("regalloc: block %d: bad or empty instruction range [%d,%d)", b, blk.First, blk.End)
		}
		next = blk.End
		for _, s := range blk.Succs {
			if s < 0 || int(s) >= len(f.Blocks) {
				return fmt.Errorf("regalloc: block %d: successor %d out of range", b, s)
			}
		}
	}
	if int(next) != len(f.Instrs) {
		return fmt.Errorf("regalloc: blocks cover %d of %d instructions", next, len(f.Instrs))
	}
	for b, blk := range f.Blocks {
		for _, s := range blk.Succs {
			if len(blk.Succs) > 1 && len(a.preds[s]) > 1 {
				return fmt.Errorf("regalloc: critical edge b%d -> b%d must be split", b, s)
			}
		}
		for i := blk.First; i < blk.End; i++ {
			in := &f.Instrs[i]
			if in.First < 0 || in.End < in.First || int(in.End) > len(f.Operands) {
				return fmt.Errorf("regalloc: instr %d: bad operand range", i)
			}
			if in.Remat {
				if in.End-in.First != 1 || in.Clobbers != 0 || in.Move {
					return fmt.Errorf("regalloc: instr %d: rematerializable, but not a lone definition", i)
				}
				if op := &f.Operands[in.First]; op.Kind != Def || op.Fixed != NoPReg || op.Reuse >= 0 {
					return fmt.Errorf("regalloc: instr %d: rematerializable, but its operand is not an unconstrained definition", i)
				}
			}
			for k := in.First; k < in.End; k++ {
				op := &f.Operands[k]
				if op.V < 0 || int(op.V) >= len(f.VRegClass) {
					return fmt.Errorf("regalloc: instr %d: operand %d: unknown v%d", i, k-in.First, op.V)
				}
				c := f.VRegClass[op.V]
				if op.Fixed != NoPReg && !a.allocatable[c].Has(op.Fixed) {
					return fmt.Errorf("regalloc: instr %d: v%d fixed to non-allocatable %s register %d", i, op.V, c, op.Fixed)
				}
				if i == blk.End-1 && op.Kind != Use {
					return fmt.Errorf("regalloc: instr %d: terminator of b%d defines v%d", i, b, op.V)
				}
				if i == blk.End-1 && len(blk.Succs) == 1 {
					return fmt.Errorf("regalloc: instr %d: terminator of single-successor b%d uses v%d", i, b, op.V)
				}
				if op.Reuse >= 0 {
					src := in.First + int32(op.Reuse)
					if op.Kind != Def || op.Fixed != NoPReg || src >= in.End {
						return fmt.Errorf("regalloc: instr %d: bad reuse operand", i)
					}
					so := &f.Operands[src]
					if so.Kind != Use || so.Fixed != NoPReg || f.VRegClass[so.V] != c {
						return fmt.Errorf("regalloc: instr %d: reuse source must be an unconstrained use of the same class", i)
					}
				}
				for k2 := in.First; k2 < k; k2++ {
					o2 := &f.Operands[k2]
					if o2.V == op.V && o2.Kind != Use && op.Kind != Use {
						return fmt.Errorf("regalloc: instr %d: v%d defined twice", i, op.V)
					}
					if op.Reuse >= 0 && o2.Reuse == op.Reuse {
						return fmt.Errorf("regalloc: instr %d: two results reuse one input", i)
					}
				}
			}
			// A reused destination must not be read elsewhere by the
			// instruction: the copy into it happens before the reads.
			for k := in.First; k < in.End; k++ {
				op := &f.Operands[k]
				if op.Reuse < 0 {
					continue
				}
				for k2 := in.First; k2 < in.End; k2++ {
					if k2 != k && k2 != in.First+int32(op.Reuse) && f.Operands[k2].V == op.V {
						return fmt.Errorf("regalloc: instr %d: reused destination v%d is also an input", i, op.V)
					}
				}
			}
		}
	}
	return nil
}

// number assigns positions.
func (a *Allocator) number() {
	f := a.f
	a.instrPos = grow(a.instrPos, len(f.Instrs))
	a.blockStart = grow(a.blockStart, len(f.Blocks))
	a.blockEnd = grow(a.blockEnd, len(f.Blocks))
	a.posInstr = grow(a.posInstr, len(f.Instrs)+len(f.Blocks))
	for b, blk := range f.Blocks {
		a.blockStart[b] = 4 * (blk.First + int32(b))
		a.posInstr[a.blockStart[b]/4] = -1
		for i := blk.First; i < blk.End; i++ {
			a.instrPos[i] = 4 * (i + int32(b) + 1)
			a.posInstr[a.instrPos[i]/4] = i
		}
		a.blockEnd[b] = 4 * (blk.End + int32(b) + 1)
	}
	// A stack of the blocks not yet followed by a shallower one, depths
	// ascending from the bottom, gives every block its shallower link.
	a.shallower = grow(a.shallower, len(f.Blocks))
	stack := a.work[:0]
	for b, blk := range f.Blocks {
		for len(stack) > 0 && f.Blocks[stack[len(stack)-1]].LoopDepth >= blk.LoopDepth {
			stack = stack[:len(stack)-1]
		}
		a.shallower[b] = -1
		if len(stack) > 0 {
			a.shallower[b] = stack[len(stack)-1]
		}
		stack = append(stack, int32(b))
	}
	a.work = stack[:0]
}

// grow returns s resized to n, reallocating with room to spare when it
// is too small. The contents are not cleared.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, max(n, 2*cap(s)))
	}
	return s[:n]
}

// liveness computes every block's live-in values, in ascending order. It
// works value by value, from the blocks reading a value before any
// definition there, backwards through predecessors until blocks defining
// it: the work is the size of the live-in sets, where bit sets over all
// values and blocks grow with the square of a function's size.
func (a *Allocator) liveness() error {
	f := a.f
	nb, nv := len(f.Blocks), len(f.VRegClass)
	// Per value, the blocks reading it before defining it (gen) and the
	// blocks defining it (kill), gathered by block, then bucketed by value.
	a.genAt = grow(a.genAt, nv)
	a.killAt = grow(a.killAt, nv)
	for v := range nv {
		a.genAt[v], a.killAt[v] = -1, -1
	}
	pairs := a.pairs[:0]
	for b, blk := range f.Blocks {
		for i := blk.First; i < blk.End; i++ {
			in := &f.Instrs[i]
			for _, op := range f.Operands[in.First:in.End] {
				if op.Kind != Def && a.killAt[op.V] != int32(b) && a.genAt[op.V] != int32(b) {
					a.genAt[op.V] = int32(b)
					pairs = append(pairs, livePair{op.V, int32(b), true})
				}
			}
			for _, op := range f.Operands[in.First:in.End] {
				if op.Kind != Use && a.killAt[op.V] != int32(b) {
					a.killAt[op.V] = int32(b)
					pairs = append(pairs, livePair{op.V, int32(b), false})
				}
			}
		}
	}
	a.pairs = pairs
	a.steps += int64(len(pairs))
	// Counting sort by value, stable: blocks stay ascending per value.
	first := grow(a.pairFirst, nv+1)
	clear(first)
	for _, p := range pairs {
		first[p.v+1]++
	}
	for v := range nv {
		first[v+1] += first[v]
	}
	byV := grow(a.pairsByV, len(pairs))
	next := grow(a.pairNext, nv)
	copy(next, first[:nv])
	for _, p := range pairs {
		byV[next[p.v]] = p
		next[p.v]++
	}
	a.pairFirst, a.pairsByV, a.pairNext = first, byV, next

	a.liveIn = grow(a.liveIn, nb)
	for b := range a.liveIn {
		a.liveIn[b] = a.liveIn[b][:0]
	}
	a.denseV = a.denseV[:0]
	// Per block: the last value found live in it (+1), the last value
	// defined in it (+1).
	a.liveMark = grow(a.liveMark, nb)
	a.killMark = grow(a.killMark, nb)
	clear(a.liveMark)
	clear(a.killMark)
	work, seen := a.work[:0], a.seen[:0]
	for v := range nv {
		ps := byV[first[v]:first[v+1]]
		if len(ps) == 0 {
			continue
		}
		mark := int32(v + 1)
		for _, p := range ps {
			if p.gen {
				work = append(work, p.b)
			} else {
				a.killMark[p.b] = mark
			}
		}
		seen = seen[:0]
		for len(work) > 0 {
			b := work[len(work)-1]
			work = work[:len(work)-1]
			a.steps++
			if a.liveMark[b] == mark {
				continue
			}
			a.liveMark[b] = mark
			seen = append(seen, b)
			for _, p := range a.preds[b] {
				a.steps++
				if a.liveMark[p] != mark && a.killMark[p] != mark {
					work = append(work, p)
				}
			}
		}
		if len(seen) < denseMin || len(seen)*denseShare < nb {
			for _, b := range seen {
				a.liveIn[b] = append(a.liveIn[b], VReg(v))
			}
			continue
		}
		// Live into many blocks: a bit in its column of the dense sets.
		d := len(a.denseV)
		a.denseV = append(a.denseV, VReg(v))
		if d%64 == 0 {
			if d/64 == len(a.denseBits) {
				a.denseBits = append(a.denseBits, nil)
			}
			a.denseBits[d/64] = grow(a.denseBits[d/64], nb)
			clear(a.denseBits[d/64])
			a.steps += int64(nb)
		}
		col, bit := a.denseBits[d/64], uint64(1)<<(d%64)
		for _, b := range seen {
			col[b] |= bit
		}
	}
	a.work, a.seen = work, seen
	if in := a.liveIns(0); len(in) > 0 {
		return fmt.Errorf("regalloc: v%d is used before it is defined", in[0])
	}
	return nil
}

// A value live into at least denseMin blocks and one in denseShare of
// them is kept in the dense live-in sets: a bit per block, 64 values to a
// word, where a list entry per block would take 32 bits. Interpreter
// loops keep a few thousand values live across thousands of blocks.
// (Variables for tests.)
var (
	denseMin   = 64
	denseShare = 32
)

// liveIns returns the values live into block b, ascending: its list
// merged with its bits in the dense sets. The slice is valid until the
// next call.
func (a *Allocator) liveIns(b int32) []VReg {
	sparse := a.liveIn[b]
	if len(a.denseV) == 0 {
		return sparse
	}
	out := a.liveBuf[:0]
	i := 0
	nw := (len(a.denseV) + 63) / 64
	a.steps += int64(nw)
	for k, col := range a.denseBits[:nw] {
		for w := col[b]; w != 0; w &= w - 1 {
			d := a.denseV[k*64+bits.TrailingZeros64(w)]
			for i < len(sparse) && sparse[i] < d {
				out = append(out, sparse[i])
				i++
			}
			out = append(out, d)
		}
	}
	out = append(out, sparse[i:]...)
	a.liveBuf = out
	return out
}

// livePair says that block b reads value v before defining it (gen) or
// defines it (!gen).
type livePair struct {
	v   VReg
	b   int32
	gen bool
}

func (a *Allocator) parent(v VReg) *interval {
	it := a.children[v]
	if it == nil {
		it = &a.first[v]
		*it = interval{v: v, class: a.f.VRegClass[v], ranges: a.firstRanges[v][:0], uses: it.uses[:0], soft: it.soft[:0], reg: NoPReg, hint: NoPReg, hintV: -1}
		a.children[v] = it
	}
	return it
}

// buildIntervals walks the blocks backwards and records live ranges, the
// positions needing registers, fixed register ranges, hints and copies.
func (a *Allocator) buildIntervals() {
	f := a.f
	a.children = grow(a.children, len(f.VRegClass))
	clear(a.children)
	if cap(a.first) < len(f.VRegClass) {
		a.first = make([]interval, len(f.VRegClass))
	}
	a.first = a.first[:len(f.VRegClass)]
	if len(a.firstRanges) < len(f.VRegClass) {
		a.firstRanges = append(a.firstRanges, make([][]rng, len(f.VRegClass)-len(a.firstRanges))...)
	}
	for r := range a.fixed {
		a.fixed[r] = a.fixed[r][:0]
	}
	a.copies = a.copies[:0]
	// The values of the dense live-in sets gather the ranges of the
	// blocks they are live out of in pending (their lowest range, which
	// grows down while they stay live), until an instruction mentions
	// them or the next range does not touch it: one update of a small
	// array per block, where the interval's list is far in memory. The
	// ranges are the same as added one by one.
	nd := len(a.denseV)
	nw := (nd + 63) / 64
	a.denseOf = grow(a.denseOf, len(f.VRegClass))
	for v := range a.denseOf {
		a.denseOf[v] = -1
	}
	for d, v := range a.denseV {
		a.denseOf[v] = int32(d)
	}
	pending := grow(a.pending, nd)
	for d := range pending {
		pending[d] = rng{-1, -1}
	}
	flush := func(d int32) {
		if p := &pending[d]; p.from >= 0 {
			a.parent(a.denseV[d]).addRangeRev(p.from, p.to)
			*p = rng{-1, -1}
		}
	}
	for b := len(f.Blocks) - 1; b >= 0; b-- {
		blk := &f.Blocks[b]
		bs, be := a.blockStart[b], a.blockEnd[b]
		// Live out: live into a successor. A value live into two gets
		// the same range twice, which merges.
		a.steps += int64(nw)
		for k := range nw {
			var w uint64
			for _, s := range blk.Succs {
				w |= a.denseBits[k][s]
			}
			for ; w != 0; w &= w - 1 {
				a.steps++
				d := int32(k*64 + bits.TrailingZeros64(w))
				p := &pending[d]
				if p.from >= 0 && be >= p.from {
					p.from, p.to = min(p.from, bs), max(p.to, be)
					continue
				}
				flush(d)
				*p = rng{bs, be}
			}
		}
		for _, s := range blk.Succs {
			a.steps += int64(len(a.liveIn[s]))
			for _, v := range a.liveIn[s] {
				a.parent(v).addRangeRev(bs, be)
			}
		}
		if nd > 0 {
			for _, op := range f.Operands[f.Instrs[blk.First].First:f.Instrs[blk.End-1].End] {
				if d := a.denseOf[op.V]; d >= 0 {
					flush(d)
				}
			}
		}
		for i := blk.End - 1; i >= blk.First; i-- {
			a.buildInstr(i, bs)
		}
	}
	for d := range pending {
		flush(int32(d))
	}
	a.pending = pending
	for v, it := range a.children {
		if it != nil {
			it.finish()
			a.firstRanges[v] = it.ranges
		}
	}
	for r := range a.fixed {
		slices.Reverse(a.fixed[r])
	}
}

func (a *Allocator) buildInstr(i, bs int32) {
	f := a.f
	in := &f.Instrs[i]
	p := a.instrPos[i]
	ops := f.Operands[in.First:in.End]
	// Defs whose result arrives in a fixed register: copied out at p+3.
	for _, op := range ops {
		if op.Kind == Use || op.Fixed == NoPReg {
			continue
		}
		a.fixed[op.Fixed] = addFixedRev(a.fixed[op.Fixed], p+2, p+3)
		it := a.parent(op.V)
		if n := len(it.ranges); n == 0 || it.ranges[n-1].from > p+3 {
			continue // dead result: nothing to copy out
		}
		it.defRev(p+3, p+4)
		it.hint = op.Fixed // the walk is backwards: the first constraint wins
		a.copies = append(a.copies, copyReq{at: i + 1, postDef: true, v: op.V, fromFix: op.Fixed, toV: op.V, toPos: p + 3, toFix: NoPReg})
	}
	for c := in.Clobbers; c != 0; {
		r := PReg(bits.TrailingZeros64(uint64(c)))
		c &^= 1 << r
		a.fixed[r] = addFixedRev(a.fixed[r], p+2, p+3)
	}
	// Plain defs.
	for _, op := range ops {
		if op.Kind == Use || op.Fixed != NoPReg || op.Reuse >= 0 {
			continue
		}
		it := a.parent(op.V)
		it.defRev(p+2, p+3)
		it.useRev(p + 2)
		if in.Move && op.Kind == Def {
			for _, src := range ops {
				if src.Kind == Use {
					it.hintV, it.hintAt = src.V, p+1
					a.passHint(src.V, it.hint)
				}
			}
		}
	}
	// Plain uses.
	for k, op := range ops {
		if op.Kind == Def || op.Fixed != NoPReg || a.isReuseSource(ops, k) {
			continue
		}
		it := a.parent(op.V)
		it.addRangeRev(bs, p+2)
		// A value rematerialized never has its slot written: it is
		// read from a register only.
		if op.Kind == UseDef || !op.MayStack || a.remat[op.V] >= 0 {
			it.useRev(p + 1)
		}
	}
	// Reused destinations are born in the gap, as a copy of their source.
	for _, op := range ops {
		if op.Reuse < 0 {
			continue
		}
		src := ops[op.Reuse].V
		it := a.parent(op.V)
		it.defRev(p, p+3)
		it.useRev(p + 2)
		it.useRev(p)
		it.hintV, it.hintAt = src, p-1
		a.passHint(src, it.hint)
		a.copies = append(a.copies, copyReq{at: i, v: src, fromV: src, fromPos: p - 1, fromFix: NoPReg, toV: op.V, toPos: p, toFix: NoPReg})
	}
	// Uses copied in the gap: into a fixed register, or as a reuse source.
	for k, op := range ops {
		if op.Kind == Def || (op.Fixed == NoPReg && !a.isReuseSource(ops, k)) {
			continue
		}
		it := a.parent(op.V)
		it.addRangeRev(bs, p)
		it.softRev(p - 1) // the gap's copy reads it, from a register or its slot
		if op.Fixed != NoPReg {
			it.hint = op.Fixed
			a.fixed[op.Fixed] = addFixedRev(a.fixed[op.Fixed], p, p+2)
			a.copies = append(a.copies, copyReq{at: i, v: op.V, fromV: op.V, fromPos: p - 1, fromFix: NoPReg, toFix: op.Fixed})
		}
	}
}

func (a *Allocator) isReuseSource(ops []Operand, k int) bool {
	for _, op := range ops {
		if op.Reuse == int8(k) {
			return true
		}
	}
	return false
}

// passHint gives the source of a copy the fixed register its destination
// is headed for, if it has no hint of its own (greedy only: the greedy
// allocator does not assign values in the order of the copies, so the
// hint has to be on both sides). The walk is backwards: the destination's
// later constraints are known.
func (a *Allocator) passHint(src VReg, h PReg) {
	if a.Algorithm != Greedy || h == NoPReg {
		return
	}
	if s := a.parent(src); s.hint == NoPReg {
		s.hint = h
	}
}

// findRemat records, per value, the instruction it can be rematerialized
// by (greedy only): its one definition, by an Instr.Remat, or -1.
func (a *Allocator) findRemat() {
	f := a.f
	a.remat = grow(a.remat, len(f.VRegClass))
	for v := range a.remat {
		a.remat[v] = -1
	}
	if a.Algorithm != Greedy {
		return
	}
	// -1: no definition seen, -2: not rematerializable.
	for i, in := range f.Instrs {
		for _, op := range f.Operands[in.First:in.End] {
			if op.Kind == Use {
				continue
			}
			if in.Remat && a.remat[op.V] == -1 {
				a.remat[op.V] = int32(i)
			} else {
				a.remat[op.V] = -2
			}
		}
	}
	a.steps += int64(len(f.Operands))
}
