package opt

import "github.com/wasiaot/wasiaot/compiler/ssa"

// DCE removes unreachable blocks, values that nothing needs, and block
// parameters that nothing needs, with their edge arguments.
//
// A value is needed when it has side effects (may trap, writes state,
// calls), is a terminator operand, or is an argument of a needed value; a
// parameter's incoming edge arguments are needed only when the parameter
// is. Entry parameters are the function's and always stay.
func DCE(f *ssa.Func) bool {
	sc := getScratch()
	defer sc.release()
	changed := f.RemoveUnreachableBuf(&sc.order)
	n := f.NumValues()
	live := zeroed(&sc.bools[0], n)
	paramIndex := zeroed(&sc.i32s[0], n)
	for i := range paramIndex {
		paramIndex[i] = -1
	}
	incoming := incomingEdges(f, sc)
	for _, b := range f.Blocks {
		for i, p := range b.Params {
			paramIndex[p] = int32(i)
		}
	}
	work := sc.ids[0][:0]
	defer func() { sc.ids[0] = work[:0] }()
	mark := func(id ssa.ID) {
		if !live[id] {
			live[id] = true
			work = append(work, id)
		}
	}
	for _, b := range f.Blocks {
		for _, id := range b.Instrs {
			if f.Value(id).Op.HasSideEffects() {
				mark(id)
			}
		}
		for _, id := range b.Controls {
			mark(id)
		}
	}
	for _, p := range f.Entry().Params {
		mark(p)
	}
	for len(work) > 0 {
		id := work[len(work)-1]
		work = work[:len(work)-1]
		v := f.Value(id)
		for _, a := range v.Args {
			mark(a)
		}
		if i := paramIndex[id]; i >= 0 {
			for _, e := range incoming.of(v.Block) {
				mark(e.Args[i])
			}
		}
	}

	for _, b := range f.Blocks {
		instrs := b.Instrs[:0]
		for _, id := range b.Instrs {
			if live[id] {
				instrs = append(instrs, id)
			} else {
				f.Value(id).Block = ssa.NoBlock
				changed = true
			}
		}
		b.Instrs = instrs
		var drop []bool
		for i, p := range b.Params {
			if !live[p] {
				if drop == nil {
					drop = make([]bool, len(b.Params))
				}
				drop[i] = true
			}
		}
		if drop == nil {
			continue
		}
		changed = true
		removeParams(f, b, incoming.of(b.ID), drop)
	}
	return changed
}
