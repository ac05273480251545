package ssa

// ReversePostorder returns the blocks reachable from the entry in reverse
// postorder: every block comes before its successors, back edges aside.
func (f *Func) ReversePostorder() []*Block {
	n := len(f.blocks)
	seen := make([]bool, n)
	post := make([]*Block, 0, len(f.Blocks))
	// Iterative DFS: each frame is a block and the index of the next
	// successor to visit, so deep CFGs cannot overflow the Go stack.
	type frame struct {
		b    *Block
		next int
	}
	stack := []frame{{f.Entry(), 0}}
	seen[f.Entry().ID] = true
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.next < len(top.b.Succs) {
			s := top.b.Succs[top.next].Block
			top.next++
			if s >= 0 && int(s) < n && f.blocks[s] != nil && !seen[s] {
				seen[s] = true
				stack = append(stack, frame{f.blocks[s], 0})
			}
			continue
		}
		post = append(post, top.b)
		stack = stack[:len(stack)-1]
	}
	for i, j := 0, len(post)-1; i < j; i, j = i+1, j-1 {
		post[i], post[j] = post[j], post[i]
	}
	return post
}

// DomTree is the dominator tree of a function's reachable blocks.
type DomTree struct {
	// RPO lists the reachable blocks in reverse postorder.
	RPO []*Block

	idom  []BlockID // by block ID; NoBlock for the entry and unreachable blocks
	order []int32   // position in RPO by block ID, -1 if unreachable
	// The children of b are kids[kidStart[b]:kidStart[b+1]], in RPO order:
	// one flat array rather than a slice per block.
	kidStart []int32
	kids     []BlockID
	pre      []int32 // tree preorder and postorder numbers: a dominates b
	post     []int32 // iff pre[a] <= pre[b] && post[b] <= post[a]
}

// ComputeDom computes the dominator tree with the iterative algorithm of
// Cooper, Harvey and Kennedy ("A Simple, Fast Dominance Algorithm"), which
// is fast on the small, reducible CFGs that wasm produces.
// Predecessor lists must be current.
func ComputeDom(f *Func) *DomTree {
	n := len(f.blocks)
	d := &DomTree{
		RPO: f.ReversePostorder(),
	}
	d.idom = make([]BlockID, n)
	d.order = make([]int32, n)
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

	// One allocation for the per-block tables: kidStart, pre and post.
	ints := make([]int32, 3*n+1)
	d.kidStart, d.pre, d.post = ints[:n+1], ints[n+1:2*n+1], ints[2*n+1:]
	for _, b := range d.RPO[1:] {
		d.kidStart[d.idom[b.ID]+1]++
	}
	for i := 1; i <= n; i++ {
		d.kidStart[i] += d.kidStart[i-1]
	}
	d.kids = make([]BlockID, max(len(d.RPO)-1, 0))
	fill := d.pre // zero until the preorder numbering below
	for _, b := range d.RPO[1:] {
		p := d.idom[b.ID]
		d.kids[d.kidStart[p]+fill[p]] = b.ID
		fill[p]++
	}
	clear(fill)
	var pre, post int32
	type frame struct {
		b    BlockID
		next int
	}
	stack := []frame{{entry, 0}}
	d.pre[entry] = pre
	pre++
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if kids := d.Children(top.b); top.next < len(kids) {
			c := kids[top.next]
			top.next++
			d.pre[c] = pre
			pre++
			stack = append(stack, frame{c, 0})
			continue
		}
		d.post[top.b] = post
		post++
		stack = stack[:len(stack)-1]
	}
	return d
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
