package ssa

// ReversePostorder returns the blocks reachable from the entry in reverse
// postorder: every block comes before its successors, back edges aside.
// The result is a new slice; the working storage is kept in f.
func (f *Func) ReversePostorder() []*Block {
	buf := &f.order
	buf.post = make([]*Block, 0, len(f.blocks))
	rpo := f.ReversePostorderBuf(buf)
	buf.post = nil
	clear(buf.stack[:cap(buf.stack)])
	return rpo
}

// OrderBuf holds the storage of ReversePostorderBuf, RemoveUnreachableBuf
// and DomTree.Compute, so that passes run over many functions can reuse it
// instead of allocating it each time. The zero value is ready to use.
type OrderBuf struct {
	seen  []bool
	stack []rpoFrame
	post  []*Block
}

// rpoFrame is a frame of the iterative DFS: a block and the index of the
// next successor to visit, so deep CFGs cannot overflow the Go stack.
type rpoFrame struct {
	b    *Block
	next int
}

// ReversePostorderBuf is ReversePostorder with storage from buf; the
// result stays valid until buf's next use.
func (f *Func) ReversePostorderBuf(buf *OrderBuf) []*Block {
	n := len(f.blocks)
	if cap(buf.seen) < n {
		buf.seen = make([]bool, n, n+n/4)
	}
	seen := buf.seen[:n]
	clear(seen)
	post := buf.post[:0]
	stack := append(buf.stack[:0], rpoFrame{f.Entry(), 0})
	seen[f.Entry().ID] = true
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.next < len(top.b.Succs) {
			s := top.b.Succs[top.next].Block
			top.next++
			if s >= 0 && int(s) < n && f.blocks[s] != nil && !seen[s] {
				seen[s] = true
				stack = append(stack, rpoFrame{f.blocks[s], 0})
			}
			continue
		}
		post = append(post, top.b)
		stack = stack[:len(stack)-1]
	}
	for i, j := 0, len(post)-1; i < j; i, j = i+1, j-1 {
		post[i], post[j] = post[j], post[i]
	}
	buf.seen, buf.post, buf.stack = seen, post, stack
	return post
}

// DomTree is the dominator tree of a function's reachable blocks.
type DomTree struct {
	// RPO lists the reachable blocks in reverse postorder.
	RPO []*Block

	idom   []BlockID // by block ID; NoBlock for the entry and unreachable blocks
	order  []int32   // position in RPO by block ID, -1 if unreachable
	buf    OrderBuf  // storage of RPO, reused by Compute
	tstack []domFrame
	// The children of b are kids[kidStart[b]:kidStart[b+1]], in RPO order:
	// one flat array rather than a slice per block.
	kidStart []int32
	kids     []BlockID
	pre      []int32 // tree preorder and postorder numbers: a dominates b
	post     []int32 // iff pre[a] <= pre[b] && post[b] <= post[a]
	// The CFG the tree was computed for (see sameCFG), so that passes
	// in a row over a function whose CFG they do not change compute it
	// once.
	cfgBlocks []*Block
	cfgSuccs  []BlockID
}

// ComputeDom computes the dominator tree with the iterative algorithm of
// Cooper, Harvey and Kennedy ("A Simple, Fast Dominance Algorithm"), which
// is fast on the small, reducible CFGs that wasm produces.
// Predecessor lists must be current.
func ComputeDom(f *Func) *DomTree {
	d := new(DomTree)
	d.Compute(f)
	return d
}

// Compute recomputes d for f (any function), reusing d's storage: a pass
// that runs over many functions keeps one DomTree.
func (d *DomTree) Compute(f *Func) {
	if d.sameCFG(f) {
		return
	}
	d.computeFull(f)
	d.cfgBlocks = append(d.cfgBlocks[:0], f.Blocks[0])
	d.cfgBlocks = append(d.cfgBlocks, f.blocks...)
	succs := d.cfgSuccs[:0]
	for _, b := range f.blocks {
		if b != nil {
			succs = append(succs, BlockID(len(b.Succs)))
			for _, e := range b.Succs {
				succs = append(succs, e.Block)
			}
		}
	}
	d.cfgSuccs = succs
}

// sameCFG reports whether f has the entry, blocks and successor edges
// that d was last computed for: then d is still its dominator tree.
func (d *DomTree) sameCFG(f *Func) bool {
	if len(d.cfgBlocks) != len(f.blocks)+1 || len(f.Blocks) == 0 || d.cfgBlocks[0] != f.Blocks[0] {
		return false
	}
	succs := d.cfgSuccs
	for i, b := range f.blocks {
		if d.cfgBlocks[i+1] != b {
			return false
		}
		if b == nil {
			continue
		}
		if len(succs) <= len(b.Succs) || succs[0] != BlockID(len(b.Succs)) {
			return false
		}
		for j, e := range b.Succs {
			if succs[1+j] != e.Block {
				return false
			}
		}
		succs = succs[1+len(b.Succs):]
	}
	return len(succs) == 0
}

func (d *DomTree) computeFull(f *Func) {
	n := len(f.blocks)
	d.RPO = f.ReversePostorderBuf(&d.buf)
	d.idom = resize(d.idom, n)
	d.order = resize(d.order, n)
	for i := range d.idom {
		d.idom[i] = NoBlock
		d.order[i] = -1
	}
	for i, b := range d.RPO {
		d.order[b.ID] = int32(i)
	}
	entry := f.Entry().ID
	d.idom[entry] = entry
	for changed := true; changed; {
		changed = false
		for _, b := range d.RPO[1:] {
			nd := NoBlock
			for _, p := range b.Preds {
				if d.idom[p] == NoBlock {
					continue // unreachable, or not processed yet
				}
				if nd == NoBlock {
					nd = p
				} else {
					nd = d.intersect(p, nd)
				}
			}
			if nd != d.idom[b.ID] {
				d.idom[b.ID] = nd
				changed = true
			}
		}
	}
	d.idom[entry] = NoBlock

	d.kidStart = resize(d.kidStart, n+1)
	d.pre = resize(d.pre, n)
	d.post = resize(d.post, n)
	clear(d.kidStart)
	clear(d.pre)
	for _, b := range d.RPO[1:] {
		d.kidStart[d.idom[b.ID]+1]++
	}
	for i := 1; i <= n; i++ {
		d.kidStart[i] += d.kidStart[i-1]
	}
	d.kids = resize(d.kids, max(len(d.RPO)-1, 0))
	fill := d.pre // zero until the preorder numbering below
	for _, b := range d.RPO[1:] {
		p := d.idom[b.ID]
		d.kids[d.kidStart[p]+fill[p]] = b.ID
		fill[p]++
	}
	clear(fill)
	var pre, post int32
	stack := append(d.tstack[:0], domFrame{entry, 0})
	defer func() { d.tstack = stack[:0] }()
	d.pre[entry] = pre
	pre++
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if kids := d.Children(top.b); top.next < len(kids) {
			c := kids[top.next]
			top.next++
			d.pre[c] = pre
			pre++
			stack = append(stack, domFrame{c, 0})
			continue
		}
		d.post[top.b] = post
		post++
		stack = stack[:len(stack)-1]
	}
}

type domFrame struct {
	b    BlockID
	next int
}

func (d *DomTree) intersect(a, b BlockID) BlockID {
	for a != b {
		for d.order[a] > d.order[b] {
			a = d.idom[a]
		}
		for d.order[b] > d.order[a] {
			b = d.idom[b]
		}
	}
	return a
}

// Reachable reports whether b is reachable from the entry.
func (d *DomTree) Reachable(b BlockID) bool { return d.order[b] >= 0 }

// Idom returns the immediate dominator of b, or NoBlock for the entry and
// unreachable blocks.
func (d *DomTree) Idom(b BlockID) BlockID { return d.idom[b] }

// Children returns the blocks immediately dominated by b.
func (d *DomTree) Children(b BlockID) []BlockID {
	return d.kids[d.kidStart[b]:d.kidStart[b+1]]
}

// Dominates reports whether a dominates b (every block dominates itself).
// Unreachable blocks dominate nothing and are dominated by nothing.
func (d *DomTree) Dominates(a, b BlockID) bool {
	if d.order[a] < 0 || d.order[b] < 0 {
		return false
	}
	return d.pre[a] <= d.pre[b] && d.post[b] <= d.post[a]
}

// resize returns s with length n, reusing its storage when it can; the
// contents are not cleared.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, n+n/4)
	}
	return s[:n]
}
