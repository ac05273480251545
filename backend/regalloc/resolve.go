package regalloc

import (
	"fmt"
	"slices"
)

// Stages order the copies inserted before one instruction.
const (
	stageEdgeIn  = iota // block entry moves of a single-predecessor block
	stagePostDef        // results copied out of fixed registers
	stageGap            // split moves and operand constraint copies
	stageEdgeOut        // block exit moves of a single-successor block
)

type pmove struct {
	at    int32
	seq   int32 // creation order, to keep the sort deterministic
	stage int8
	from  Loc
	to    Loc
	class Class
	v     VReg
	def   int32 // the instruction to execute again, if from is RematLoc
}

func (a *Allocator) slotOf(v VReg) int32 {
	if a.slot[v] < 0 {
		a.slot[v] = a.newSlot(a.f.VRegClass[v])
	}
	return a.slot[v]
}

func (a *Allocator) newSlot(c Class) int32 {
	r := a.res
	size := a.info.SlotSize[c]
	off := (r.FrameSize + size - 1) / size * size
	r.SlotOffset = append(r.SlotOffset, off)
	r.SlotClass = append(r.SlotClass, c)
	r.FrameSize = off + size
	return int32(len(r.SlotOffset) - 1)
}

func (a *Allocator) locOf(it *interval) Loc {
	if it.stack {
		return SlotLoc(a.slotOf(it.v))
	}
	return RegLoc(it.reg)
}

// locAt returns v's location at pos.
func (a *Allocator) locAt(v VReg, pos int32) (Loc, error) {
	i := a.pieceIndex(v, pos)
	if i < 0 || !a.pieces[a.find(v)][i].covers(pos) {
		return NoLoc, fmt.Errorf("regalloc: internal error: v%d not live at %d", v, pos)
	}
	return a.locOf(a.pieces[a.find(v)][i]), nil
}

// pieceIndex returns the index of the last piece of v starting at or
// before pos, or -1.
func (a *Allocator) pieceIndex(v VReg, pos int32) int {
	r := a.find(v)
	sp := a.span[r]
	if sp.n == 1 {
		// Most values are never split: no need to look at the piece
		// (its caller checks that it covers pos where that is not
		// known).
		return 0
	}
	// The operands are resolved in position order: the piece found last
	// for a value is usually the one wanted, or one of the next few.
	c := a.lastStartBefore(a.pieceStart[sp.off:sp.off+sp.n], int(a.pieceCur[r]), pos)
	if c >= 0 {
		a.pieceCur[r] = int32(c)
	}
	return c
}

// pieceSpan locates a value's piece starts in Allocator.pieceStart.
type pieceSpan struct{ off, n int32 }

// startPieces records, per value, the starts of its pieces in one flat
// array: the lookups of resolve read them there, not through the pieces.
func (a *Allocator) startPieces() {
	a.span = grow(a.span, len(a.pieces))
	starts, stack := a.pieceStart[:0], a.pieceStack[:0]
	for v, ps := range a.pieces {
		a.span[v] = pieceSpan{int32(len(starts)), int32(len(ps))}
		if len(ps) > 1 {
			for _, it := range ps {
				starts = append(starts, it.start())
				stack = append(stack, it.stack)
			}
		}
	}
	a.steps += int64(len(a.pieces) + len(starts))
	a.pieceStart, a.pieceStack = starts, stack
}

// markPieceStarts sets pieceAtStart[b] where a piece of a value starts
// at block b's start, and returns how many values have a stack piece but
// no slot number yet.
func (a *Allocator) markPieceStarts() int {
	a.pieceAtStart = grow(a.pieceAtStart, len(a.f.Blocks))
	clear(a.pieceAtStart)
	unnumbered := 0
	for r, sp := range a.span {
		if sp.n < 2 {
			continue
		}
		if a.slot[r] < 0 && slices.Contains(a.pieceStack[sp.off:sp.off+sp.n], true) {
			unnumbered++
		}
		for _, st := range a.pieceStart[sp.off+1 : sp.off+sp.n] {
			if st&3 == 0 && a.posInstr[st/4] < 0 {
				a.pieceAtStart[a.blockOf(st)] = true
			}
		}
	}
	a.steps += int64(len(a.span) + len(a.pieceStart) + len(a.f.Blocks))
	return unnumbered
}

// lastStartBefore returns the index of the last of the ascending starts
// at or before pos, or -1. The search begins at the guess c (the answer
// of a previous lookup): lookups in ascending position order take a few
// steps forward.
func (a *Allocator) lastStartBefore(starts []int32, c int, pos int32) int {
	if c < len(starts) && starts[c] <= pos {
		for k := 0; c+1 < len(starts) && starts[c+1] <= pos; k++ {
			a.steps++
			if k == 4 {
				return a.searchStarts(starts, c+2, pos)
			}
			c++
		}
		return c
	}
	return a.searchStarts(starts, 0, pos)
}

// searchStarts is lastStartBefore by binary search over starts[lo:],
// whose predecessors are all at or before pos.
func (a *Allocator) searchStarts(starts []int32, lo int, pos int32) int {
	hi := len(starts)
	for lo < hi {
		a.steps++
		m := int(uint(lo+hi) >> 1)
		if starts[m] <= pos {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo - 1
}

// liveLocAt is locAt for a position where v is known to be live (an
// operand's, or a block boundary where it is live in): splitting only
// partitions the ranges, so the piece found covers pos without checking.
func (a *Allocator) liveLocAt(v VReg, pos int32) (Loc, error) {
	i := a.pieceIndex(v, pos)
	if i < 0 {
		return NoLoc, fmt.Errorf("regalloc: internal error: v%d not live at %d", v, pos)
	}
	return a.locOf(a.pieces[a.find(v)][i]), nil
}

func (a *Allocator) resolve() (*Result, error) {
	f := a.f
	a.res = &Result{Locs: make([]Loc, len(f.Operands))}
	res := a.res
	a.slot = grow(a.slot, len(f.VRegClass))
	for v := range a.slot {
		a.slot[v] = -1
	}
	a.pieceCur = grow(a.pieceCur, len(f.VRegClass))
	clear(a.pieceCur)
	a.edgeCur = grow(a.edgeCur, len(f.VRegClass))
	clear(a.edgeCur)
	a.startPieces()
	a.scratch = -1
	for v := range a.pieces {
		ps := a.pieces[v] // sorted by start (addPiece)
		for _, it := range ps {
			if !it.stack && it.reg == NoPReg {
				return nil, fmt.Errorf("regalloc: internal error: v%d unallocated at %d", v, it.start())
			}
			if it.reg != NoPReg && a.info.CalleeSaved.Has(it.reg) {
				res.UsedCalleeSaved = res.UsedCalleeSaved.With(it.reg)
			}
		}
	}
	if a.anyDropped {
		res.Dropped = append([]bool(nil), a.dropped[:len(f.Instrs)]...)
		res.Joined = make([]VReg, len(f.VRegClass))
		for v := range res.Joined {
			res.Joined[v] = a.find(VReg(v))
		}
	}

	// Operand locations.
	for i, in := range f.Instrs {
		p := a.instrPos[i]
		res.UsedCalleeSaved |= in.Clobbers & a.info.CalleeSaved
		ops := f.Operands[in.First:in.End]
		for k, op := range ops {
			var l Loc
			var err error
			switch {
			case op.Fixed != NoPReg:
				l = RegLoc(op.Fixed)
				if a.info.CalleeSaved.Has(op.Fixed) {
					res.UsedCalleeSaved = res.UsedCalleeSaved.With(op.Fixed)
				}
			// buildInstr made each of these positions live, except p+1
			// for a reuse source, which may die in the gap.
			case op.Reuse >= 0:
				l, err = a.liveLocAt(op.V, p)
			case op.Kind == Def:
				l, err = a.liveLocAt(op.V, p+2)
			case !a.isReuseSource(ops, k):
				l, err = a.liveLocAt(op.V, p+1)
			default:
				// The first lookup only matters for its side effect of
				// numbering the stack slot, kept for stable output.
				l, err = a.locAt(op.V, p+1)
				for _, d := range ops {
					if d.Reuse == int8(k) {
						l, err = a.liveLocAt(d.V, p)
					}
				}
			}
			if err != nil {
				return nil, err
			}
			res.Locs[int(in.First)+k] = l
		}
	}

	moves := a.moves[:0]
	add := func(at int32, stage int8, from, to Loc, v VReg) {
		if from == to {
			return
		}
		def := int32(-1)
		if d := a.remat[v]; d >= 0 {
			// Its slot is never read: no store; a load executes the
			// definition again.
			if to.IsSlot() {
				return
			}
			if from.IsSlot() {
				from, def = RematLoc, d
			}
		}
		moves = append(moves, pmove{at: at, seq: int32(len(moves)), stage: stage, from: from, to: to, class: f.VRegClass[v], v: v, def: def})
	}
	// Moves where an interval was split inside a block.
	for v, ps := range a.pieces {
		if a.alias[v] != VReg(v) {
			continue // the value it joined has these pieces
		}
		for k := 1; k < len(ps); k++ {
			s := ps[k].start()
			if s&3 != 0 || a.posInstr[s/4] < 0 || !ps[k-1].covers(s-1) {
				continue
			}
			add(a.posInstr[s/4], stageGap, a.locOf(ps[k-1]), a.locOf(ps[k]), VReg(v))
		}
	}
	// Constraint copies.
	for _, c := range a.copies {
		if c.fromFix == NoPReg && c.toFix == NoPReg && a.find(c.fromV) == a.find(c.toV) {
			continue // a reuse joined: the moves between its pieces do it
		}
		from, to := RegLoc(c.fromFix), RegLoc(c.toFix)
		var err error
		if c.fromFix == NoPReg {
			if from, err = a.locAt(c.fromV, c.fromPos); err != nil {
				return nil, err
			}
		}
		if c.toFix == NoPReg {
			if to, err = a.locAt(c.toV, c.toPos); err != nil {
				return nil, err
			}
		}
		stage := int8(stageGap)
		if c.postDef {
			stage = stagePostDef
		}
		add(c.at, stage, from, to, c.v)
	}
	// Moves on control flow edges. The blocks are visited in order, so
	// the lookups at their ends ascend (a cursor per value, edgeCur);
	// the start of the next block in the layout is the position after.
	//
	// Where a block falls through to the next one, a value changes
	// location only if a piece of it starts there (pieceAtStart). Such
	// edges are skipped once looking up the pieces has nothing else to
	// do: it numbers the stack slots in the order they are met (unnumbered
	// counts the values whose slot it has yet to number).
	unnumbered := a.markPieceStarts()
	for b, blk := range f.Blocks {
		for _, s := range blk.Succs {
			at, stage := f.Blocks[s].First, int8(stageEdgeIn)
			if len(blk.Succs) == 1 {
				at, stage = blk.End-1, stageEdgeOut
			}
			out, in := a.blockEnd[b]-1, a.blockStart[s]
			if unnumbered == 0 && in == out+1 && !a.pieceAtStart[s] {
				continue
			}
			live := a.liveIns(s)
			a.steps += int64(len(live))
			for _, v := range live {
				r := a.find(v)
				sp := a.span[r]
				if sp.n == 1 {
					continue // one location everywhere
				}
				starts := a.pieceStart[sp.off : sp.off+sp.n]
				fi := a.lastStartBefore(starts, int(a.edgeCur[r]), out)
				if fi < 0 {
					return nil, fmt.Errorf("regalloc: internal error: v%d not live at %d", v, out)
				}
				a.edgeCur[r] = int32(fi)
				ti := fi
				if in == out+1 {
					if fi+1 < len(starts) && starts[fi+1] == in {
						ti = fi + 1
					}
				} else if ti = a.lastStartBefore(starts, int(a.pieceCur[r]), in); ti < 0 {
					return nil, fmt.Errorf("regalloc: internal error: v%d not live at %d", v, in)
				} else {
					a.pieceCur[r] = int32(ti)
				}
				numbered := a.slot[r] >= 0
				if ti == fi {
					// The same piece: no move. Its stack slot is
					// numbered where it is first met, as for a move.
					if a.pieceStack[sp.off+int32(fi)] {
						a.slotOf(r)
					}
				} else {
					ps := a.pieces[r]
					add(at, stage, a.locOf(ps[fi]), a.locOf(ps[ti]), v)
				}
				if !numbered && a.slot[r] >= 0 {
					unnumbered--
				}
			}
		}
	}

	moves = a.storeOnce(moves)
	moves = a.sortMoves(moves)
	// Usually one edit per move; breaking a cycle adds one.
	if len(moves) > 0 {
		res.Edits = make([]Edit, 0, len(moves)+len(moves)/8)
	}
	for i := 0; i < len(moves); {
		j := i + 1
		for j < len(moves) && moves[j].at == moves[i].at && moves[j].stage == moves[i].stage {
			j++
		}
		a.sequentialize(moves[i:j])
		i = j
	}
	a.moves = moves
	res.FrameSize = (res.FrameSize + 15) &^ 15
	res.count()
	return res, nil
}

// sequentialize emits a parallel move as a sequence of copies. Every
// destination is written once; cycles (which only involve registers) are
// broken through a free register where one is known (greedy), else a
// scratch stack slot.
func (a *Allocator) sequentialize(ms []pmove) {
	// The registers the parallel move reads or writes: the scratch must
	// be none of them, even once a move is done (an edge's destinations
	// may not be live yet by the position's ranges).
	var touched RegSet
	for _, m := range ms {
		for _, l := range [2]Loc{m.from, m.to} {
			if l.IsReg() {
				touched = touched.With(l.Reg())
			}
		}
	}
	for len(ms) > 0 {
		progress := false
		for i := 0; i < len(ms); i++ {
			m := ms[i]
			blocked := false
			a.steps += int64(len(ms))
			for j := range ms {
				if j != i && ms[j].from == m.to {
					blocked = true
					break
				}
			}
			if blocked {
				continue
			}
			a.emit(m)
			ms = append(ms[:i], ms[i+1:]...)
			i--
			progress = true
		}
		if progress {
			continue
		}
		// Everything left is in cycles: park the value of ms[0].to, in
		// a free register if the allocation knows one.
		sc := a.scratchReg(ms, touched)
		if sc == NoLoc {
			if a.scratch < 0 {
				a.scratch = a.newSlot(ClassFloat)
			}
			sc = SlotLoc(a.scratch)
		}
		saved := ms[0].to
		for j := range ms {
			if ms[j].from == saved {
				a.emit(pmove{at: ms[0].at, from: saved, to: sc, class: ms[j].class, v: ms[j].v})
				break
			}
		}
		for j := range ms {
			if ms[j].from == saved {
				ms[j].from = sc
			}
		}
	}
}

func (a *Allocator) emit(m pmove) {
	a.res.Edits = append(a.res.Edits, Edit{At: m.at, From: m.from, To: m.to, Class: m.class, V: m.v, Def: m.def})
}

// sortMoves orders moves by instruction, stage and creation order. Sorting
// packed integer keys is several times faster than sorting the structs.
func (a *Allocator) sortMoves(moves []pmove) []pmove {
	keys := a.keys[:0]
	for _, m := range moves {
		// at and seq are below 2^31, stage below 4.
		keys = append(keys, uint64(m.at)<<33|uint64(m.stage)<<31|uint64(m.seq))
	}
	slices.Sort(keys)
	sorted := grow(a.sorted, len(moves))
	for i, k := range keys {
		sorted[i] = moves[uint32(k)&(1<<31-1)]
	}
	a.keys = keys
	// The unsorted array is the next call's output.
	a.sorted = moves
	return sorted
}

// scratchReg returns a register of the class of the cycle ms that holds
// nothing around the moves' gap, or NoLoc. Only the greedy allocator's
// register maps know that; they hold every piece's ranges and the fixed
// ranges, so a register they leave empty from the gap's reads (p-1) to
// its writes (p) is free, except for the moves' own sources and
// destinations (touched: a fixed result copied out reads a register
// whose range ended; an edge's moves write the successor's registers),
// which are excluded.
func (a *Allocator) scratchReg(ms []pmove, touched RegSet) Loc {
	if a.Algorithm != Greedy || len(ms) == 0 {
		return NoLoc
	}
	p := a.instrPos[ms[0].at]
	c := ms[0].class
	for _, r := range a.info.Order[c] {
		l := RegLoc(r)
		if touched.Has(r) {
			continue
		}
		for _, m := range ms {
			if m.class != c {
				return NoLoc
			}
		}
		if n := a.maps.endingAfter(r, p-1, &a.steps); n >= 0 && a.maps.nodes[n].from < p+1 {
			continue
		}
		if a.info.CalleeSaved.Has(r) && !a.res.UsedCalleeSaved.Has(r) {
			continue // would need saving
		}
		return l
	}
	return NoLoc
}
