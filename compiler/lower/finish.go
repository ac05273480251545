package lower

import (
	"slices"

	"github.com/wasiaot/wasiaot/compiler/ssa"
)

// finish turns the constructed function into its final form: zero values
// at the top of the entry block, blocks laid out in the order they were
// entered (source order), unused blocks dropped, trivial block parameters
// removed.
func (l *funcLowerer) finish() {
	f := l.f
	entry := f.Entry()
	if len(l.zeros) > 0 {
		// A new array: l.zeros is scratch for the next function.
		entry.Instrs = slices.Concat(l.zeros, entry.Instrs)
	}
	f.Blocks = append(f.Blocks[:0], l.order...)
	if l.ndead > 0 {
		for id, st := range l.blk {
			if st.dead {
				f.Blocks = append(f.Blocks, f.Block(ssa.BlockID(id)))
			}
		}
		f.RemoveBlocks(func(b *ssa.Block) bool { return l.blk[b.ID].dead })
	}
	l.removeTrivialParams()
	if l.nalias > 0 {
		l.resolveAll()
	}
}

// incoming collects the edges into blk, each once.
func (l *funcLowerer) incoming(blk *ssa.Block) []*ssa.Edge {
	l.markTick++
	if l.markTick == 0 {
		for i := range l.blk {
			l.blk[i].mark = 0
		}
		l.markTick = 1
	}
	edges := l.inEdges[:0]
	for _, p := range blk.Preds {
		if l.blk[p].mark == l.markTick {
			continue
		}
		l.blk[p].mark = l.markTick
		succs := l.f.Block(p).Succs
		for j := range succs {
			if succs[j].Block == blk.ID {
				edges = append(edges, &succs[j])
			}
		}
	}
	l.inEdges = edges
	return edges
}

// removeTrivialParams removes every block parameter that receives a
// single value on all incoming edges, apart from edges passing the
// parameter back to itself, and makes it an alias of that value. Removing
// one can make others trivial, so it repeats until nothing changes.
func (l *funcLowerer) removeTrivialParams() {
	f := l.f
	if cap(l.alias) < f.NumValues() {
		l.alias = make([]ssa.ID, f.NumValues())
	}
	l.alias = l.alias[:f.NumValues()]
	clear(l.alias)
	for changed := true; changed; {
		changed = false
		for _, blk := range f.Blocks[1:] {
			if len(blk.Params) == 0 {
				continue
			}
			edges := l.incoming(blk)
			for i := len(blk.Params) - 1; i >= 0; i-- {
				p := blk.Params[i]
				same := ssa.ID(-1)
				for _, e := range edges {
					a := l.resolve(e.Args[i])
					if a == p || a == same {
						continue
					}
					if same >= 0 {
						same = -2
						break
					}
					same = a
				}
				if same < 0 {
					continue
				}
				l.alias[p] = same + 1
				l.nalias++
				blk.Params = slices.Delete(blk.Params, i, i+1)
				for _, e := range edges {
					e.Args = slices.Delete(e.Args, i, i+1)
				}
				f.Value(p).Block = ssa.NoBlock
				changed = true
			}
		}
	}
}

func (l *funcLowerer) resolve(id ssa.ID) ssa.ID {
	for l.alias[id] != 0 {
		id = l.alias[id] - 1
	}
	return id
}

// resolveAll replaces every use of a removed parameter.
func (l *funcLowerer) resolveAll() {
	f := l.f
	fix := func(ids []ssa.ID) {
		for i, id := range ids {
			if l.alias[id] != 0 {
				ids[i] = l.resolve(id)
			}
		}
	}
	for _, blk := range f.Blocks {
		for _, id := range blk.Instrs {
			fix(f.Value(id).Args)
		}
		fix(blk.Controls)
		for i := range blk.Succs {
			fix(blk.Succs[i].Args)
		}
	}
}
