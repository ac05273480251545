package arm64

import (
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"
)

// bitmaskImms builds every 64-bit logical immediate from its definition:
// an element of 2, 4, ..., 64 bits holding a rotated run of 1 to e-1 ones,
// repeated.
func bitmaskImms() map[uint64]bool {
	set := map[uint64]bool{}
	for e := uint(2); e <= 64; e *= 2 {
		for ones := uint(1); ones < e; ones++ {
			for rot := uint(0); rot < e; rot++ {
				elem := uint64(1)<<ones - 1
				mask := ^uint64(0)
				if e < 64 {
					mask = 1<<e - 1
				}
				elem = (elem>>rot | elem<<(e-rot)) & mask
				v := uint64(0)
				for k := uint(0); k < 64; k += e {
					v |= elem << k
				}
				set[v] = true
			}
		}
	}
	return set
}

func TestLogicalImm(t *testing.T) {
	set := bitmaskImms()
	require.Len(t, set, 5334) // the architecture's count of 64-bit bitmask immediates
	for v := range set {
		require.True(t, logicalImm(v, 8), "%#x", v)
		if uint64(uint32(v))|uint64(uint32(v))<<32 == v {
			require.True(t, logicalImm(v, 4), "%#x", v)
		}
	}
	r := rand.New(rand.NewSource(1))
	for range 100000 {
		v := r.Uint64()
		if r.Intn(2) == 0 {
			v &= 0xffff_ffff
		}
		require.Equal(t, set[v], logicalImm(v, 8), "%#x", v)
		w := uint64(uint32(v))
		require.Equal(t, set[w|w<<32], logicalImm(w, 4), "%#x", w)
	}
	for _, v := range []uint64{0, ^uint64(0)} {
		require.False(t, logicalImm(v, 8))
		require.False(t, logicalImm(v, 4))
	}
}

func TestAddImm(t *testing.T) {
	for _, k := range []int64{0, 1, 4095, 4096, 0xfff000, 0x1000} {
		require.True(t, addImm(k), "%d", k)
	}
	for _, k := range []int64{-1, 4097, 0x1000000, 0xfff001} {
		require.False(t, addImm(k), "%d", k)
	}
}
