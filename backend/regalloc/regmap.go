package regalloc

// regMaps holds, per physical register, the ranges allocated to it (and
// the ranges it is reserved for: fixed operands and clobbers), ordered by
// position in a treap. The ranges of one register are disjoint, so their
// ends are ordered like their starts, and both "the first range ending
// after pos" and "the next range" are searches from the root: an
// interference query costs the logarithm of the register's occupancy plus
// the ranges it finds, never a walk from the start of a list.
type regMaps struct {
	treap
	root [64]int32
}

// treap is the node store of a set of treaps of disjoint ranges ordered
// by start; each treap is named by its root.
type treap struct {
	nodes []rnode
	free  []int32 // deleted nodes, reused first
	seed  uint32
}

type rnode struct {
	from, to    int32
	left, right int32 // -1: none
	prio        uint32
	owner       *interval // nil for a fixed range
}

func (m *regMaps) reset() {
	m.treap.reset()
	for r := range m.root {
		m.root[r] = -1
	}
}

func (m *treap) reset() {
	m.nodes = m.nodes[:0]
	m.free = m.free[:0]
	m.seed = 0x9e3779b9
}

func (m *treap) rand() uint32 {
	// xorshift32: a fixed sequence keeps allocation deterministic.
	x := m.seed
	x ^= x << 13
	x ^= x >> 17
	x ^= x << 5
	m.seed = x
	return x
}

// insert adds [from, to) owned by owner (nil: fixed) to register r. The
// caller guarantees it overlaps nothing there.
func (m *regMaps) insert(r PReg, from, to int32, owner *interval, steps *int64) {
	m.root[r] = m.add(m.root[r], from, to, owner, steps)
}

// add inserts [from, to) owned by owner into the treap t, which holds
// nothing starting at from, and returns the new root.
func (m *treap) add(t, from, to int32, owner *interval, steps *int64) int32 {
	var n int32
	if k := len(m.free); k > 0 {
		n = m.free[k-1]
		m.free = m.free[:k-1]
	} else {
		m.nodes = append(m.nodes, rnode{})
		n = int32(len(m.nodes) - 1)
	}
	m.nodes[n] = rnode{from: from, to: to, left: -1, right: -1, prio: m.rand(), owner: owner}
	return m.insertAt(t, n, steps)
}

func (m *treap) insertAt(t, n int32, steps *int64) int32 {
	*steps++
	if t < 0 {
		return n
	}
	nd, tn := &m.nodes[n], &m.nodes[t]
	if nd.prio > tn.prio {
		nd.left, nd.right = m.split(t, nd.from, steps)
		return n
	}
	if nd.from < tn.from {
		l := m.insertAt(tn.left, n, steps)
		m.nodes[t].left = l
	} else {
		r := m.insertAt(tn.right, n, steps)
		m.nodes[t].right = r
	}
	return t
}

// split cuts the treap t into the nodes starting before key and the rest.
func (m *treap) split(t, key int32, steps *int64) (int32, int32) {
	*steps++
	if t < 0 {
		return -1, -1
	}
	if m.nodes[t].from < key {
		l, r := m.split(m.nodes[t].right, key, steps)
		m.nodes[t].right = l
		return t, r
	}
	l, r := m.split(m.nodes[t].left, key, steps)
	m.nodes[t].left = r
	return l, t
}

func (m *treap) merge(l, r int32, steps *int64) int32 {
	*steps++
	if l < 0 {
		return r
	}
	if r < 0 {
		return l
	}
	if m.nodes[l].prio > m.nodes[r].prio {
		m.nodes[l].right = m.merge(m.nodes[l].right, r, steps)
		return l
	}
	m.nodes[r].left = m.merge(l, m.nodes[r].left, steps)
	return r
}

// remove deletes the range of register r starting at from.
func (m *regMaps) remove(r PReg, from int32, steps *int64) {
	m.root[r] = m.removeAt(m.root[r], from, steps)
}

func (m *treap) removeAt(t, from int32, steps *int64) int32 {
	*steps++
	if t < 0 {
		return -1
	}
	nd := &m.nodes[t]
	switch {
	case from < nd.from:
		nd.left = m.removeAt(nd.left, from, steps)
	case from > nd.from:
		nd.right = m.removeAt(nd.right, from, steps)
	default:
		m.free = append(m.free, t)
		return m.merge(nd.left, nd.right, steps)
	}
	return t
}

// endingAfter returns the first range of register r ending after pos, or
// -1.
func (m *regMaps) endingAfter(r PReg, pos int32, steps *int64) int32 {
	best := int32(-1)
	for t := m.root[r]; t >= 0; {
		*steps++
		if m.nodes[t].to > pos {
			best, t = t, m.nodes[t].left
		} else {
			t = m.nodes[t].right
		}
	}
	return best
}

// next returns the range of register r following node n, or -1.
func (m *regMaps) next(r PReg, n int32, steps *int64) int32 {
	key := m.nodes[n].from
	best := int32(-1)
	for t := m.root[r]; t >= 0; {
		*steps++
		if m.nodes[t].from > key {
			best, t = t, m.nodes[t].left
		} else {
			t = m.nodes[t].right
		}
	}
	return best
}

// atOrBefore returns the last node of treap t starting at or before pos,
// or -1.
func (m *treap) atOrBefore(t, pos int32, steps *int64) int32 {
	best := int32(-1)
	for t >= 0 {
		*steps++
		if m.nodes[t].from <= pos {
			best, t = t, m.nodes[t].right
		} else {
			t = m.nodes[t].left
		}
	}
	return best
}

// inOrder appends the owners of treap t's nodes to out in order of start.
func (m *treap) inOrder(t int32, out []*interval, steps *int64) []*interval {
	for t >= 0 {
		*steps++
		out = m.inOrder(m.nodes[t].left, out, steps)
		out = append(out, m.nodes[t].owner)
		t = m.nodes[t].right
	}
	return out
}
