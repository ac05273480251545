package backend

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/compiler/ssa"
)

// Beyond the registers, arguments take 8-byte stack slots in order and a
// v128 takes two; the results area gives every result a place, 16 bytes
// for a v128.
func TestArgSlots(t *testing.T) {
	v, i, f := ssa.TypeV128, ssa.TypeI32, ssa.TypeF64
	slots, n := ArgSlots([]ssa.Type{v, i, v, f, i, v}, true, RegCounts{Int: 1, Float: 2})
	require.Equal(t, []int{-1, -1, -1, 0, 1, 2, 4}, slots) // the last is the results pointer
	require.Equal(t, 5, n)
	offs, size := AreaOffsets([]ssa.Type{i, v, f, v})
	require.Equal(t, []int32{0, 8, 24, 32}, offs)
	require.Equal(t, int32(48), size)
}
