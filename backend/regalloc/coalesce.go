package regalloc

import "slices"

// coalesce joins the source and destination of a copy into one value when
// their lifetimes never overlap: the copy then has nothing to do and is
// dropped (Result.Dropped), and the joined value gets one location on both
// sides. Block-argument copies are the common case: without this, a value
// passed to a block parameter moves between registers, or between two
// stack slots through a register, on every edge even when neither side is
// used around it. The destination's register use at the copy goes too, so
// a joined value that lives in its stack slot stays there.
//
// A source or destination that already joined others carries their
// lifetimes: a class of values is joined only while no two members
// overlap. Lifetimes with more than maxCoalesceRanges ranges are left
// apart, which bounds the cost of the overlap test.
//
// It runs only when the backend asks (Func.CoalesceCopies). In threaded
// dispatch loops, where every case block merges the dispatch with its
// other predecessors, it is a large win; in ordinary loops the long
// lifetimes it makes are split worse by the scan than the short ones it
// replaces, which hints already put in one register (a loop counter and
// its increment), and it costs.
func (a *Allocator) coalesce(always bool) {
	f := a.f
	a.alias = grow(a.alias, len(f.VRegClass))
	for v := range a.alias {
		a.alias[v] = VReg(v)
	}
	a.dropped = grow(a.dropped, len(f.Instrs))
	clear(a.dropped)
	a.anyDropped = false
	if !f.CoalesceCopies && !always {
		return
	}
	a.joinNext = grow(a.joinNext, len(f.VRegClass))
	for v := range a.joinNext {
		a.joinNext[v] = VReg(v)
	}
	a.joinDrops = a.joinDrops[:0]
	defer a.gatherUses()
	for i := range f.Instrs {
		in := &f.Instrs[i]
		if always {
			a.joinReuse(in)
		}
		if !in.Move || in.End-in.First != 2 {
			continue
		}
		d, u := &f.Operands[in.First], &f.Operands[in.First+1]
		if d.Kind != Def {
			d, u = u, d
		}
		if d.Kind != Def || u.Kind != Use || d.Fixed != NoPReg || u.Fixed != NoPReg || d.Reuse >= 0 {
			continue
		}
		rd, ru := a.find(d.V), a.find(u.V)
		p := a.instrPos[i]
		if rd == ru {
			// Joined already: a copy within one value.
			if it := a.children[rd]; it != nil {
				a.joinDrops = append(a.joinDrops, joinDrop{rd, p + 2})
				a.dropped[i], a.anyDropped = true, true
			}
			continue
		}
		if f.VRegClass[rd] != f.VRegClass[ru] {
			continue
		}
		dst, src := a.children[rd], a.children[ru]
		if dst == nil || src == nil || len(dst.ranges)+len(src.ranges) > maxCoalesceRanges {
			continue
		}
		if intersect(dst.ranges, src.ranges, 0, &a.steps) >= 0 {
			continue
		}
		a.join(dst, src)
		a.joinDrops = append(a.joinDrops, joinDrop{rd, p + 2})
		// A joined class has several definitions.
		a.remat[rd], a.remat[ru] = -2, -2
		a.alias[ru] = rd
		a.children[ru] = nil
		a.dropped[i] = true
		a.anyDropped = true
	}
}

const maxCoalesceRanges = 4096

// joinReuse joins the destination of a two-address instruction with the
// source it must share a register with, where the source dies there (the
// greedy allocator's: it does not place them in program order, so a hint
// from one to the other often comes too late). The copy in the gap then
// has nothing to do; the instruction stays.
func (a *Allocator) joinReuse(in *Instr) {
	ops := a.f.Operands[in.First:in.End]
	for _, d := range ops {
		if d.Reuse < 0 || int(d.Reuse) >= len(ops) || d.Fixed != NoPReg {
			continue
		}
		u := ops[d.Reuse]
		if u.Fixed != NoPReg {
			continue
		}
		rd, ru := a.find(d.V), a.find(u.V)
		if rd == ru || a.f.VRegClass[rd] != a.f.VRegClass[ru] {
			continue
		}
		dst, src := a.children[rd], a.children[ru]
		// Only lifetimes within a block: joining longer ones makes
		// bundles that are harder to place than the copy costs.
		if dst == nil || src == nil || len(dst.ranges) != 1 || len(src.ranges) != 1 || a.blockOf(dst.start()) != a.blockOf(src.end()-1) {
			continue
		}
		if intersect(dst.ranges, src.ranges, 0, &a.steps) >= 0 {
			continue
		}
		a.join(dst, src)
		a.remat[rd], a.remat[ru] = -2, -2
		a.alias[ru] = rd
		a.children[ru] = nil
		a.anyDropped = true // the checker needs the joined names
	}
}

// find returns the value v was joined into (v itself if none).
func (a *Allocator) find(v VReg) VReg {
	for a.alias[v] != v {
		a.alias[v] = a.alias[a.alias[v]] // halve the path
		v = a.alias[v]
	}
	return v
}

// join merges src's lifetime into dst's. Their register uses are merged
// once every join is made (gatherUses): merging them at every join would
// copy a class's uses again for each value joining it.
func (a *Allocator) join(dst, src *interval) {
	rs := a.joinRanges[:0]
	x, y := dst.ranges, src.ranges
	for len(x) > 0 || len(y) > 0 {
		var r rng
		if len(y) == 0 || len(x) > 0 && x[0].from < y[0].from {
			r, x = x[0], x[1:]
		} else {
			r, y = y[0], y[1:]
		}
		if n := len(rs); n > 0 && rs[n-1].to >= r.from {
			rs[n-1].to = max(rs[n-1].to, r.to)
			continue
		}
		rs = append(rs, r)
	}
	a.joinRanges = rs
	if cap(dst.ranges) < len(rs) {
		// A new array, or src's (src is gone once joined), which stays
		// the value's for the next functions: the arrays of members
		// joined into others would otherwise grow again in every
		// function.
		if old := dst.ranges; cap(src.ranges) >= len(rs) {
			dst.ranges, src.ranges = src.ranges, old[:0]
			a.firstRanges[src.v] = src.ranges
		} else {
			dst.ranges = make([]rng, 0, len(rs)+len(rs)/4)
		}
		a.firstRanges[dst.v] = dst.ranges
	}
	dst.ranges = append(dst.ranges[:0], rs...)
	// The members of a class form a ring through joinNext: splicing the
	// two rings makes one.
	a.joinNext[dst.v], a.joinNext[src.v] = a.joinNext[src.v], a.joinNext[dst.v]
	if dst.hint == NoPReg {
		dst.hint = src.hint
	}
	if dst.hintV < 0 || a.find(dst.hintV) == a.find(src.v) {
		dst.hintV, dst.hintAt = src.hintV, src.hintAt
	}
}

// joinDrop is a register use at pos of a class joined into v that a
// dropped copy made: the copy's definition.
type joinDrop struct {
	v   VReg
	pos int32
}

// gatherUses gives every joined class the union of its members' uses
// and soft uses, without those of the dropped copies.
func (a *Allocator) gatherUses() {
	// The drops as keys ordered by value, then position.
	drops := a.dropKeys[:0]
	for _, d := range a.joinDrops {
		drops = append(drops, uint64(a.find(d.v))<<32|uint64(uint32(d.pos)))
	}
	slices.Sort(drops)
	a.dropKeys = drops
	a.steps += int64(len(drops))
	for v, n := range a.joinNext {
		k := 0
		for k < len(drops) && VReg(drops[k]>>32) <= VReg(v) {
			k++
		}
		vd := drops[:k] // those of v (any of a smaller value are skipped)
		drops = drops[k:]
		it := a.children[v]
		if n == VReg(v) || it == nil || a.alias[v] != VReg(v) {
			continue // not a class
		}
		ps := a.joinPos[:0]
		soft := false
		for m := VReg(v); ; {
			ps = append(ps, a.first[m].uses...)
			soft = soft || len(a.first[m].soft) > 0
			if m = a.joinNext[m]; m == VReg(v) {
				break
			}
		}
		a.steps += int64(len(ps))
		slices.Sort(ps)
		ps = slices.Compact(ps)
		if len(vd) > 0 {
			out := ps[:0]
			for _, p := range ps {
				key := uint64(v)<<32 | uint64(uint32(p))
				for len(vd) > 0 && vd[0] < key {
					vd = vd[1:]
				}
				if len(vd) > 0 && vd[0] == key {
					continue
				}
				out = append(out, p)
			}
			ps = out
		}
		it.uses = append(it.uses[:0], ps...)
		if soft {
			ps = ps[:0]
			for m := VReg(v); ; {
				ps = append(ps, a.first[m].soft...)
				if m = a.joinNext[m]; m == VReg(v) {
					break
				}
			}
			a.steps += int64(len(ps))
			slices.Sort(ps)
			ps = slices.Compact(ps)
			it.soft = append(it.soft[:0], ps...)
		}
		a.joinPos = ps
	}
}
