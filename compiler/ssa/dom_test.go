package ssa

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func parseOK(t *testing.T, text string) *Func {
	t.Helper()
	f, err := Parse(text)
	require.NoError(t, err)
	return f
}

func idoms(f *Func, d *DomTree) map[BlockID]BlockID {
	m := map[BlockID]BlockID{}
	for _, b := range f.Blocks {
		m[b.ID] = d.Idom(b.ID)
	}
	return m
}

func TestDomDiamondLoop(t *testing.T) {
	// b0 -> b1 (loop header) -> b2 | b3 -> b4 -> b1 or b5; b6 unreachable.
	f := parseOK(t, `func f(i32) {
b0(v0:i32):
  jump b1
b1:
  brif v0, b2, b3
b2:
  jump b4
b3:
  jump b4
b4:
  brif v0, b1, b5
b5:
  return
b6:
  jump b5
}
`)
	d := ComputeDom(f)
	require.Equal(t, map[BlockID]BlockID{
		0: NoBlock, 1: 0, 2: 1, 3: 1, 4: 1, 5: 4, 6: NoBlock,
	}, idoms(f, d))
	require.True(t, d.Dominates(1, 5))
	require.True(t, d.Dominates(4, 4))
	require.False(t, d.Dominates(2, 4))
	require.False(t, d.Dominates(5, 1))
	require.False(t, d.Dominates(6, 5))
	require.False(t, d.Dominates(0, 6))
	require.False(t, d.Reachable(6))
	require.ElementsMatch(t, []BlockID{2, 3, 4}, d.Children(1))
	var rpo []BlockID
	for _, b := range d.RPO {
		rpo = append(rpo, b.ID)
	}
	require.Len(t, rpo, 6)
	require.Equal(t, BlockID(0), rpo[0])
	pos := map[BlockID]int{}
	for i, b := range rpo {
		pos[b] = i
	}
	// Forward edges go forward in reverse postorder.
	require.Less(t, pos[1], pos[2])
	require.Less(t, pos[2], pos[4])
	require.Less(t, pos[3], pos[4])
	require.Less(t, pos[4], pos[5])
}

func TestDomIrreducible(t *testing.T) {
	// b1 and b2 jump into each other; neither dominates the other.
	f := parseOK(t, `func f(i32) {
b0(v0:i32):
  brif v0, b1, b2
b1:
  brif v0, b2, b3
b2:
  brif v0, b1, b3
b3:
  return
}
`)
	d := ComputeDom(f)
	require.Equal(t, map[BlockID]BlockID{0: NoBlock, 1: 0, 2: 0, 3: 0}, idoms(f, d))
}

func TestDomDeepChain(t *testing.T) {
	// A long chain must not recurse deeply.
	f := NewFunc("chain", Signature{})
	b := NewBuilder(f)
	prev := b.NewBlock()
	b.SetBlock(prev)
	const n = 100000
	for range n {
		next := b.NewBlock()
		b.Jump(next)
		b.SetBlock(next)
		prev = next
	}
	b.Return()
	d := ComputeDom(f)
	require.Equal(t, BlockID(n-1), d.Idom(prev.ID))
	require.True(t, d.Dominates(0, prev.ID))
	require.NoError(t, Verify(f))
}

// A DomTree recomputed for a function whose CFG changed follows the
// change; one recomputed for another function with the same shape fits
// that function.
func TestDomRecomputeAfterChange(t *testing.T) {
	text := `func f(i32) {
b0(v0:i32):
  brif v0, b1, b2
b1:
  jump b3
b2:
  jump b3
b3:
  return
}
`
	f := parseOK(t, text)
	var d DomTree
	d.Compute(f)
	require.Equal(t, BlockID(0), d.Idom(3))
	// b1 now returns, and b2 is the only way into b3.
	f.Block(1).Term, f.Block(1).Succs = OpReturn, nil
	f.ComputePreds()
	d.Compute(f)
	require.Equal(t, idoms(f, ComputeDom(f)), idoms(f, &d))
	require.Equal(t, BlockID(2), d.Idom(3))
	g := parseOK(t, text)
	d.Compute(g)
	require.Equal(t, BlockID(0), d.Idom(3))
	require.Same(t, g.Entry(), d.RPO[0])
}
