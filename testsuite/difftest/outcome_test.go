package difftest

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// TestSameV128 checks the comparison of vector words: bit for bit, except
// that NaNs match NaNs lane by lane, as f64 or as f32 lanes.
func TestSameV128(t *testing.T) {
	ts := wordTypes([]wasm.ValType{wasm.I32, wasm.V128})
	require.Equal(t, []wasm.ValType{wasm.I32, wasm.V128, wasm.V128}, ts)
	for _, c := range []struct {
		a, b uint64
		same bool
	}{
		{0x0123456789abcdef, 0x0123456789abcdef, true},
		{0x0123456789abcdef, 0x0123456789abcdee, false},
		{0x7ff8000000000000, 0xffffb80480000001, true},   // f64 NaNs
		{0x7fc00000_3f800000, 0xffc00001_3f800000, true}, // f32 NaN, equal lane
		{0x7fc00000_3f800000, 0xffc00001_3f800001, false},
		{0x7fffffff_00000000, 0x80000000_00000000, false}, // saturation is no NaN
		{0x7f800000_00000000, 0x7ff8000000000000, false},  // f32 infinity, f64 finite: no NaN
	} {
		require.Equal(t, c.same, sameValues(ts, []uint64{1, 0, c.a}, []uint64{1, 0, c.b}), "%#x %#x", c.a, c.b)
	}
	require.False(t, sameValues(ts, []uint64{1, 5, 0}, []uint64{1, 6, 0}))
}
