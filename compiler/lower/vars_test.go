package lower

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/compiler/ssa"
)

// TestDefTable checks the definition table through growth and resets:
// every key put is found with its last value, keys of an earlier
// function are not, and a function after a big one starts with a small
// table again.
func TestDefTable(t *testing.T) {
	var tab defTable
	for round, n := range []int{3000, 10, 70000, 5, 600} {
		tab.reset()
		require.Equal(t, 1<<defTableStart, len(tab.slots), "round %d starts small", round)
		for i := range n {
			tab.put(defKey(ssa.BlockID(i%97), uint32(i)), ssa.ID(i))
		}
		for i := range n {
			if i%3 == 0 {
				tab.put(defKey(ssa.BlockID(i%97), uint32(i)), ssa.ID(-i))
			}
		}
		require.Equal(t, n, tab.n)
		for i := range n {
			got, ok := tab.get(defKey(ssa.BlockID(i%97), uint32(i)))
			want := ssa.ID(i)
			if i%3 == 0 {
				want = ssa.ID(-i)
			}
			require.True(t, ok, "round %d key %d", round, i)
			require.Equal(t, want, got, "round %d key %d", round, i)
		}
		_, ok := tab.get(defKey(ssa.BlockID(n%97), uint32(n)))
		require.False(t, ok, "round %d: a key of an earlier round", round)
		require.LessOrEqual(t, 2*n, len(tab.slots))
	}
}
