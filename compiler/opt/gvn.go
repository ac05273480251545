package opt

import (
	"math/bits"

	"github.com/wasiaot/wasiaot/compiler/ssa"
)

// GVN removes pure values that recompute a value available on every path:
// a value with the same op, type, immediates and arguments (in either
// order for commutative ops) defined in a dominating block, or earlier in
// the same block. The later one becomes a copy of the earlier.
//
// Constants are merged only within a block: merging them across blocks
// would stretch their live ranges for nothing, since a constant costs an
// immediate or one move wherever it is needed.
//
// The table is one open-addressing hash set of value IDs that is never
// emptied: an entry whose block does not dominate the current block is
// stale (it belongs to a dominator-tree branch already left) and is
// overwritten by the next equal value, so a walk in dominator-tree
// preorder sees exactly the values of the current tree path, without
// scopes to pop.
func GVN(f *ssa.Func) bool {
	sc := getScratch()
	defer sc.release()
	dom := &sc.dom
	dom.Compute(f)
	n := 0
	for _, b := range dom.RPO {
		n += len(b.Instrs)
	}
	size := 1 << bits.Len(uint(2*n+1))
	g := gvn{f: f, dom: dom, table: zeroed(&sc.ids[0], size), mask: uint64(size - 1)}
	for i := range g.table {
		g.table[i] = -1
	}
	// Dominator-tree preorder: a block's whole subtree is done before its
	// siblings', so an entry goes stale only once its subtree is left.
	stack := append(sc.ids[1][:0], ssa.ID(f.Entry().ID))
	defer func() { sc.ids[1] = stack[:0] }()
	for len(stack) > 0 {
		b := f.Block(ssa.BlockID(stack[len(stack)-1]))
		stack = stack[:len(stack)-1]
		for _, c := range dom.Children(b.ID) {
			stack = append(stack, ssa.ID(c))
		}
		for _, id := range b.Instrs {
			v := f.Value(id)
			if !v.Op.IsPure() || v.Op == ssa.OpCopy || v.Type == ssa.TypeVoid {
				continue
			}
			for i, a := range v.Args {
				v.Args[i] = resolveCopy(f, a)
			}
			if w := g.lookup(v); w != v.ID {
				toCopy(f, v, w)
				g.changed = true
			}
		}
	}
	return g.changed
}

type gvn struct {
	f       *ssa.Func
	dom     *ssa.DomTree
	table   []ssa.ID
	mask    uint64
	changed bool
}

func resolveCopy(f *ssa.Func, id ssa.ID) ssa.ID {
	for {
		v := f.Value(id)
		if v.Op != ssa.OpCopy {
			return id
		}
		id = v.Args[0]
	}
}

func (g *gvn) hash(v *ssa.Value) uint64 {
	h := uint64(v.Op)<<8 | uint64(v.Type)
	h = h*0x9e3779b97f4a7c15 ^ uint64(v.Aux)
	h = h*0x9e3779b97f4a7c15 ^ uint64(v.Aux2)
	if v.Op.Info().Commutative && len(v.Args) == 2 {
		a, b := v.Args[0], v.Args[1]
		if a > b {
			a, b = b, a
		}
		h = h*0x9e3779b97f4a7c15 ^ uint64(a)
		h = h*0x9e3779b97f4a7c15 ^ uint64(b)
	} else {
		for _, a := range v.Args {
			h = h*0x9e3779b97f4a7c15 ^ uint64(a)
		}
	}
	h ^= h >> 29
	return h * 0xbf58476d1ce4e5b9
}

func sameValue(v, w *ssa.Value) bool {
	if v.Op != w.Op || v.Type != w.Type || v.Aux != w.Aux || v.Aux2 != w.Aux2 || len(v.Args) != len(w.Args) {
		return false
	}
	if v.Op.Info().Commutative && len(v.Args) == 2 {
		return v.Args[0] == w.Args[0] && v.Args[1] == w.Args[1] ||
			v.Args[0] == w.Args[1] && v.Args[1] == w.Args[0]
	}
	for i, a := range v.Args {
		if w.Args[i] != a {
			return false
		}
	}
	return true
}

// lookup returns the available value equal to v, or v itself after
// recording it.
func (g *gvn) lookup(v *ssa.Value) ssa.ID {
	i := g.hash(v) & g.mask
	for {
		id := g.table[i]
		if id < 0 {
			g.table[i] = v.ID
			return v.ID
		}
		if w := g.f.Value(id); sameValue(v, w) {
			avail := w.Block == v.Block
			if !avail && !v.Op.IsConst() {
				avail = g.dom.Dominates(w.Block, v.Block)
			}
			if avail {
				return id
			}
			g.table[i] = v.ID // stale: replace
			return v.ID
		}
		i = (i + 1) & g.mask
	}
}
