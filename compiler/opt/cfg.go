package opt

import "github.com/wasiaot/wasiaot/compiler/ssa"

// removeParams deletes the parameters of b marked in drop, and the
// matching arguments of b's incoming edges.
func removeParams(f *ssa.Func, b *ssa.Block, incoming []*ssa.Edge, drop []bool) {
	for _, e := range incoming {
		args := e.Args[:0]
		for j, a := range e.Args {
			if !drop[j] {
				args = append(args, a)
			}
		}
		e.Args = args
	}
	params := b.Params[:0]
	for i, p := range b.Params {
		if drop[i] {
			f.Value(p).Block = ssa.NoBlock
		} else {
			params = append(params, p)
		}
	}
	b.Params = params
}

// toCopy turns v into a copy of x, whatever v was.
func toCopy(f *ssa.Func, v *ssa.Value, x ssa.ID) {
	if cap(v.Args) == 0 {
		v.Args = f.CopyIDs([]ssa.ID{x})
	}
	makeCopy(v, x)
}

// CFG cleans up control flow:
//
//   - a brif or br_table whose edges are all the same becomes a jump;
//   - an edge into an empty block (no instructions, ends in a jump, its
//     parameters used only by that jump) goes straight to that block's
//     target, with the arguments the empty block would have passed (its
//     parameters replaced by the edge's arguments); chains are followed,
//     cycles of empty blocks are left alone;
//   - a block whose only predecessor ends in a jump to it is merged into
//     that predecessor: its parameters become copies of the jump's
//     arguments, and its instructions and terminator move over;
//   - unreachable blocks go.
func CFG(f *ssa.Func) bool {
	changed := false
	// Threading skips a block, so it must not skip the definition of a
	// parameter used anywhere but in that block's own jump.
	sc := getScratch()
	defer sc.release()
	usedElsewhere := zeroed(&sc.bools[0], f.NumValues())
	for _, b := range f.Blocks {
		for _, id := range b.Instrs {
			for _, a := range f.Value(id).Args {
				usedElsewhere[a] = true
			}
		}
		for _, a := range b.Controls {
			usedElsewhere[a] = true
		}
		for _, e := range b.Succs {
			for _, a := range e.Args {
				if v := f.Value(a); v.Op != ssa.OpParam || v.Block != b.ID {
					usedElsewhere[a] = true
				}
			}
		}
	}
	empty := func(b *ssa.Block) bool {
		if b.ID == f.Entry().ID || len(b.Instrs) != 0 || b.Term != ssa.OpJump || b.Succs[0].Block == b.ID {
			return false
		}
		for _, p := range b.Params {
			if usedElsewhere[p] {
				return false
			}
		}
		return true
	}
	for _, b := range f.Blocks {
		for i := range b.Succs {
			if threadEdge(f, &b.Succs[i], empty) {
				changed = true
			}
		}
		if b.Term != ssa.OpJump && foldBranch(f, b) {
			changed = true
		}
	}
	if changed {
		f.ComputePreds()
	}
	if f.RemoveUnreachableBuf(&sc.order) {
		changed = true
	}
	if mergeBlocks(f, zeroed(&sc.bools[1], f.NumBlocks())) {
		changed = true
	}
	return changed
}

// maxThread bounds the length of a chain of empty blocks followed at once.
const maxThread = 16

// threadEdge retargets e past empty blocks and reports whether it did.
func threadEdge(f *ssa.Func, e *ssa.Edge, empty func(*ssa.Block) bool) bool {
	var chain [maxThread]ssa.BlockID
	hops := 0
	to, args := e.Block, e.Args
	for hops < maxThread {
		b := f.Block(to)
		if !empty(b) {
			break
		}
		next := b.Succs[0]
		for _, c := range chain[:hops] {
			if c == next.Block {
				return false // a cycle of empty blocks: an infinite loop, keep it
			}
		}
		chain[hops] = b.ID
		hops++
		na := make([]ssa.ID, len(next.Args))
		for j, a := range next.Args {
			na[j] = a
			if k := slicesIndex(b.Params, a); k >= 0 {
				na[j] = args[k]
				continue
			}
			// A parameter of an earlier block of the chain is not
			// defined on the new path.
			if v := f.Value(a); v.Op == ssa.OpParam {
				for _, c := range chain[:hops-1] {
					if v.Block == c {
						return false
					}
				}
			}
		}
		to, args = next.Block, na
	}
	if to == e.Block {
		return false
	}
	e.Block = to
	e.Args = f.CopyIDs(args)
	return true
}

func slicesIndex(s []ssa.ID, x ssa.ID) int {
	for i, y := range s {
		if y == x {
			return i
		}
	}
	return -1
}

// mergeBlocks merges blocks into their single predecessor when it ends in
// a jump to them. Predecessor lists must be current.
func mergeBlocks(f *ssa.Func, dead []bool) bool {
	entry := f.Entry().ID
	changed := false
	for _, b := range f.Blocks {
		if dead[b.ID] {
			continue
		}
		for b.Term == ssa.OpJump {
			s := f.Block(b.Succs[0].Block)
			if s == b || s.ID == entry || len(s.Preds) != 1 {
				break
			}
			for i, p := range s.Params {
				v := f.Value(p)
				v.Op, v.Block = ssa.OpCopy, b.ID
				v.Args = f.CopyIDs(b.Succs[0].Args[i : i+1])
				b.Instrs = append(b.Instrs, p)
			}
			for _, id := range s.Instrs {
				f.Value(id).Block = b.ID
			}
			b.Instrs = append(b.Instrs, s.Instrs...)
			b.Term, b.Controls, b.Succs, b.Aux, b.Pos = s.Term, s.Controls, s.Succs, s.Aux, s.Pos
			for _, e := range b.Succs {
				t := f.Block(e.Block)
				for i, p := range t.Preds {
					if p == s.ID {
						t.Preds[i] = b.ID
					}
				}
			}
			s.Params, s.Instrs, s.Succs, s.Controls = nil, nil, nil, nil
			s.Term = ssa.OpReturn
			dead[s.ID] = true
			changed = true
		}
	}
	if changed {
		f.RemoveBlocks(func(b *ssa.Block) bool { return dead[b.ID] })
	}
	return changed
}
