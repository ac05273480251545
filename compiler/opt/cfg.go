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

// incomingEdges lists, by target block ID, the edges of all blocks.
func incomingEdges(f *ssa.Func) [][]*ssa.Edge {
	in := make([][]*ssa.Edge, f.NumBlocks())
	for _, b := range f.Blocks {
		for i := range b.Succs {
			e := &b.Succs[i]
			in[e.Block] = append(in[e.Block], e)
		}
	}
	return in
}
