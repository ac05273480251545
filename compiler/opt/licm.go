package opt

import (
	"slices"

	"github.com/wasiaot/wasiaot/compiler/ssa"
)

// LICM hoists loop-invariant values out of natural loops into a preheader.
//
// A loop is a header h with back edges (edges from blocks h dominates); its
// body is every block that reaches a back edge without passing h. Loops
// are handled innermost first, so a value hoisted into an inner loop's
// preheader, which lies in the outer loop, can leave the outer loop too.
//
// A value is hoisted when it cannot have an effect and all its arguments
// are defined outside the loop or are hoisted themselves:
//
//   - pure ops, wherever they sit in the loop: they cannot trap, so
//     computing one on an iteration that would not have is harmless;
//   - integer division and remainder by a constant that is not 0 (and not
//     -1 for signed division), which cannot trap either;
//   - never loads, stores, calls or anything else with effects.
//
// Constants are not hoisted for their own sake: a constant costs an
// immediate or one move, and hoisting it would only hold a register over
// the whole loop. A hoisted value that uses a constant of the loop gets a
// clone of that constant in the preheader.
//
// The preheader is the header's only predecessor from outside the loop
// when that block has no other successor; otherwise a new block that takes
// the header's parameters and jumps to it, through which every outside
// edge is redirected. It is created only when something is hoisted.
func LICM(f *ssa.Func) bool {
	sc := getScratch()
	defer sc.release()
	dom := &sc.dom
	dom.Compute(f)
	l := licm{f: f, dom: dom, nOrig: f.NumBlocks(), body: sc.blocks[:0], hoist: sc.values[:0],
		latches: sc.bids[0][:0], outside: sc.bids[1][:0], work: sc.bids[2][:0]}
	defer func() {
		// Hand the storage back without keeping the function alive.
		clear(l.body[:cap(l.body)])
		clear(l.hoist[:cap(l.hoist)])
		sc.blocks, sc.values = l.body[:0], l.hoist[:0]
		sc.bids = [3][]ssa.BlockID{l.latches[:0], l.outside[:0], l.work[:0]}
	}()
	l.loopOf = zeroed(&sc.i32s[0], f.NumBlocks())
	l.order = zeroed(&sc.i32s[1], f.NumBlocks())
	for i, b := range dom.RPO {
		l.order[b.ID] = int32(2 * i)
	}
	l.mark = zeroed(&sc.i32s[2], f.NumValues())
	for i := len(dom.RPO) - 1; i >= 0; i-- {
		l.loop(dom.RPO[i])
	}
	if l.changed {
		f.ComputePreds()
	}
	return l.changed
}

type licm struct {
	f       *ssa.Func
	dom     *ssa.DomTree
	nOrig   int     // blocks before preheaders were added (dom covers these)
	loopOf  []int32 // by block: number of the loop whose body was last marked
	order   []int32 // by block: position for a dominance-respecting walk
	mark    []int32 // by value: number of the loop it is being hoisted from
	stamp   int32
	body    []*ssa.Block
	hoist   []*ssa.Value
	changed bool
	// Storage reused from one header to the next.
	latches, outside, work []ssa.BlockID
}

func (l *licm) reachable(b ssa.BlockID) bool {
	return int(b) >= l.nOrig || l.dom.Reachable(b)
}

func (l *licm) loop(h *ssa.Block) {
	// Most blocks are no loop header: build the lists in reused storage
	// and copy them only for a preheader.
	latches, outside := l.latches[:0], l.outside[:0]
	defer func() { l.latches, l.outside = latches[:0], outside[:0] }()
	for _, p := range h.Preds {
		if int(p) < l.nOrig && l.dom.Dominates(h.ID, p) {
			latches = append(latches, p)
		} else {
			outside = append(outside, p)
		}
	}
	if len(latches) == 0 || len(outside) == 0 {
		return
	}
	l.stamp++
	stamp := l.stamp
	l.body = append(l.body[:0], h)
	l.loopOf[h.ID] = stamp
	work := append(l.work[:0], latches...)
	defer func() { l.work = work[:0] }()
	for len(work) > 0 {
		b := work[len(work)-1]
		work = work[:len(work)-1]
		if l.loopOf[b] == stamp || !l.reachable(b) {
			continue
		}
		l.loopOf[b] = stamp
		blk := l.f.Block(b)
		l.body = append(l.body, blk)
		work = append(work, blk.Preds...)
	}
	slices.SortFunc(l.body, func(a, b *ssa.Block) int { return int(l.order[a.ID] - l.order[b.ID]) })

	l.hoist = l.hoist[:0]
	for _, b := range l.body {
		for _, id := range b.Instrs {
			if v := l.f.Value(id); l.invariant(v, stamp) {
				l.mark[id] = stamp
				l.hoist = append(l.hoist, v)
			}
		}
	}
	if len(l.hoist) == 0 {
		return
	}
	p := l.preheader(h, latches, outside)
	// A new preheader's parameters are new values, and so are the clones
	// below: the marks must cover them, since an enclosing loop walks
	// this preheader too.
	l.mark = growMarks(l.mark, l.f.NumValues())
	clones := map[ssa.ID]ssa.ID{}
	for _, v := range l.hoist {
		for i, a := range v.Args {
			d := l.f.Value(a)
			if !d.Op.IsConst() || l.loopOf[d.Block] != stamp {
				continue
			}
			c, ok := clones[a]
			if !ok {
				w := l.f.NewValue(d.Op, d.Type)
				w.Aux, w.Aux2, w.Block, w.Pos = d.Aux, d.Aux2, p.ID, d.Pos
				p.Instrs = append(p.Instrs, w.ID)
				c, clones[a] = w.ID, w.ID
				l.mark = growMarks(l.mark, l.f.NumValues())
			}
			v.Args[i] = c
		}
		v.Block = p.ID
		p.Instrs = append(p.Instrs, v.ID)
	}
	for _, b := range l.body {
		instrs := b.Instrs[:0]
		for _, id := range b.Instrs {
			if l.mark[id] != stamp {
				instrs = append(instrs, id)
			}
		}
		b.Instrs = instrs
	}
	l.changed = true
}

// growMarks extends the marks with zeros to cover n values.
func growMarks(mark []int32, n int) []int32 {
	for len(mark) < n {
		mark = append(mark, 0)
	}
	return mark
}

// invariant reports whether v, in the body of loop stamp, may be hoisted.
func (l *licm) invariant(v *ssa.Value, stamp int32) bool {
	switch {
	case v.Op.IsConst() || v.Op == ssa.OpCopy || v.Type == ssa.TypeVoid || v.Type == ssa.TypeTuple:
		return false
	case v.Op.IsPure():
	case widthOps(v.Op) != nil && v.Op.Info().Effects == ssa.EffTrap:
		if !divCannotTrap(l.f, v) {
			return false
		}
	default:
		return false
	}
	for _, a := range v.Args {
		d := l.f.Value(a)
		if l.loopOf[d.Block] == stamp && l.mark[a] != stamp && !d.Op.IsConst() {
			return false
		}
	}
	return true
}

// divCannotTrap reports whether an integer division or remainder has a
// constant divisor that rules out both of its traps.
func divCannotTrap(f *ssa.Func, v *ssa.Value) bool {
	d := f.Value(v.Args[1])
	if d.Op != ssa.OpI32Const && d.Op != ssa.OpI64Const || d.Aux == 0 {
		return false
	}
	o := widthOps(v.Op)
	return d.Aux != -1 || v.Op == o.divU || v.Op == o.remU || v.Op == o.remS
}

// preheader returns the block that enters h from outside the loop,
// creating it when there is none.
func (l *licm) preheader(h *ssa.Block, latches, outside []ssa.BlockID) *ssa.Block {
	f := l.f
	if len(outside) == 1 {
		if o := f.Block(outside[0]); len(o.Succs) == 1 {
			return o
		}
	}
	p := f.NewBlock()
	args := make([]ssa.ID, len(h.Params))
	for i, id := range h.Params {
		args[i] = f.AddParam(p, f.Value(id).Type)
	}
	f.SetTerm(p, ssa.OpJump, nil, []ssa.Edge{{Block: h.ID, Args: args}})
	p.Pos = h.Pos
	for _, o := range slices.Compact(slices.Sorted(slices.Values(outside))) {
		ob := f.Block(o)
		for i := range ob.Succs {
			if ob.Succs[i].Block == h.ID {
				ob.Succs[i].Block = p.ID
			}
		}
	}
	p.Preds = slices.Clone(outside)
	h.Preds = append(append(make([]ssa.BlockID, 0, len(latches)+1), latches...), p.ID)
	// Lay the preheader out just before its header.
	at := slices.Index(f.Blocks, h)
	copy(f.Blocks[at+1:], f.Blocks[at:len(f.Blocks)-1])
	f.Blocks[at] = p
	l.loopOf = append(l.loopOf, 0)
	l.order = append(l.order, l.order[h.ID]-1)
	return p
}
