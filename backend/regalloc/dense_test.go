package regalloc

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDenseLiveIn checks that keeping the live-in sets as bits (values
// live into many blocks) or as lists gives the same allocation: every
// value one way, then the other.
func TestDenseLiveIn(t *testing.T) {
	defer func(m, s int) { denseMin, denseShare = m, s }(denseMin, denseShare)
	allocate := func(f *Func, info *RegInfo, alg Algorithm, dense bool) (*Result, int) {
		denseMin, denseShare = 1<<30, 1
		if dense {
			denseMin, denseShare = 1, 1<<30
		}
		a := New(info)
		a.Algorithm = alg
		res, err := a.Allocate(f)
		require.NoError(t, err)
		require.NoError(t, Check(f, info, res))
		return res, len(a.denseV)
	}
	for _, alg := range []Algorithm{Linear, Greedy} {
		for seed := range 300 {
			rng := rand.New(rand.NewPCG(uint64(seed), 7))
			info := testRegInfo(6+rng.IntN(4), 5+rng.IntN(3))
			f := randFunc(rng, info)
			f.CoalesceCopies = seed%2 == 1
			lists, n := allocate(f, info, alg, false)
			require.Zero(t, n)
			bits, _ := allocate(f, info, alg, true)
			require.Equal(t, lists, bits, "%v, seed %d", alg, seed)
		}
		for _, coalesce := range []bool{false, true} {
			f, info := hugeFunc(200, coalesce)
			lists, _ := allocate(f, info, alg, false)
			bits, n := allocate(f, info, alg, true)
			require.NotZero(t, n)
			require.Equal(t, lists, bits, "%v, coalesce=%v", alg, coalesce)
		}
	}
}
