package lower

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/compiler/ssa"
)

// TestDefTable checks the definition table through growth, the turn to
// rows and resets: every key put is found with its last value, keys of an
// earlier function are not, and a function after a big one starts with a
// small hash table again.
func TestDefTable(t *testing.T) {
	var tab defTable
	for round, n := range []int{3000, 10, 70000, 5, 600, 40000, 7} {
		// Rounds 0-4 spread over many blocks and locals stay hashed;
		// round 5 fills most of 97 blocks × 500 locals and turns into
		// rows.
		nlocals, spread := 5000+round, 5
		if round >= 5 {
			nlocals, spread = 500, 1
		}
		key := func(i int) (ssa.BlockID, uint32) {
			return ssa.BlockID(i % (97 * spread)), uint32(i % nlocals)
		}
		tab.reset(nlocals)
		require.False(t, tab.dense, "round %d starts hashed", round)
		require.Equal(t, 1<<defTableStart, len(tab.slots), "round %d starts small", round)
		want := map[[2]int]ssa.ID{}
		for i := range n {
			b, v := key(i)
			tab.put(b, v, ssa.ID(i))
			want[[2]int{int(b), int(v)}] = ssa.ID(i)
		}
		for i := range n {
			if i%3 == 0 {
				b, v := key(i)
				tab.put(b, v, ssa.ID(2*n+i))
				want[[2]int{int(b), int(v)}] = ssa.ID(2*n + i)
			}
		}
		require.Equal(t, round == 5, tab.dense, "round %d", round)
		if !tab.dense {
			require.Equal(t, len(want), tab.n)
			require.LessOrEqual(t, 2*len(want), len(tab.slots))
		}
		for k, w := range want {
			got, ok := tab.get(ssa.BlockID(k[0]), uint32(k[1]))
			require.True(t, ok, "round %d key %v", round, k)
			require.Equal(t, w, got, "round %d key %v", round, k)
		}
		// Keys not put in this round are absent, whatever earlier rounds
		// put.
		for b := range 100 * spread {
			for _, v := range []uint32{0, 1, uint32(nlocals - 1)} {
				if _, put := want[[2]int{b, int(v)}]; !put {
					_, ok := tab.get(ssa.BlockID(b), v)
					require.False(t, ok, "round %d: block %d local %d was not put", round, b, v)
				}
			}
		}
	}
}
