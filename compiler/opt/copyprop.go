package opt

import "github.com/wasiaot/wasiaot/compiler/ssa"

// CopyProp replaces every use of a copy by the copied value, and every use
// of a block parameter that receives the same value on all incoming edges
// (ignoring edges that pass the parameter back to itself) by that value.
// Such parameters are removed together with their edge arguments.
//
// The replacement value dominates the block: on any path from the entry,
// the first arrival at the block comes through an edge that passes the
// value, whose definition therefore lies on the path.
func CopyProp(f *ssa.Func) bool {
	sc := getScratch()
	defer sc.release()
	n := f.NumValues()
	alias := zeroed(&sc.ids[0], n)
	for i := range alias {
		alias[i] = ssa.ID(i)
	}
	resolve := func(id ssa.ID) ssa.ID {
		r := id
		for alias[r] != r {
			r = alias[r]
		}
		for alias[id] != r { // path compression
			next := alias[id]
			alias[id] = r
			id = next
		}
		return r
	}
	changed := false
	for _, b := range f.Blocks {
		for _, id := range b.Instrs {
			if v := f.Value(id); v.Op == ssa.OpCopy {
				alias[id] = v.Args[0]
				changed = true
			}
		}
	}

	// Parameters, to a fixed point: removing one can make another trivial.
	rpo := f.ReversePostorderBuf(&sc.order)
	// Edges from unreachable blocks count too: they only make a parameter
	// less likely to be trivial, and their arguments must go with it.
	incoming := incomingEdges(f, sc)
	entry := f.Entry().ID
	for again := true; again; {
		again = false
		for _, b := range rpo {
			if b.ID == entry || len(incoming.of(b.ID)) == 0 {
				continue
			}
			for i, p := range b.Params {
				if alias[p] != p {
					continue
				}
				same := ssa.ID(-1)
				for _, e := range incoming.of(b.ID) {
					a := resolve(e.Args[i])
					if a == p || a == same {
						continue
					}
					if same >= 0 {
						same = -2
						break
					}
					same = a
				}
				if same >= 0 {
					alias[p] = same
					again, changed = true, true
				}
			}
		}
	}
	if !changed {
		return false
	}

	rewrite := func(ids []ssa.ID) {
		for i, a := range ids {
			ids[i] = resolve(a)
		}
	}
	for _, b := range f.Blocks {
		instrs := b.Instrs[:0]
		for _, id := range b.Instrs {
			v := f.Value(id)
			if v.Op == ssa.OpCopy {
				v.Block = ssa.NoBlock
				continue
			}
			rewrite(v.Args)
			instrs = append(instrs, id)
		}
		b.Instrs = instrs
		rewrite(b.Controls)
		for _, e := range b.Succs {
			rewrite(e.Args)
		}
	}
	for _, b := range f.Blocks {
		var drop []bool
		for i, p := range b.Params {
			if alias[p] != p {
				if drop == nil {
					drop = make([]bool, len(b.Params))
				}
				drop[i] = true
			}
		}
		if drop == nil {
			continue
		}
		removeParams(f, b, incoming.of(b.ID), drop)
	}
	return true
}
