package ssa

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Values keep their address and ID while the function grows through the
// small chunks and into the full ones.
func TestValueStorageGrows(t *testing.T) {
	f := NewFunc("f", Signature{})
	var ptrs []*Value
	for i := range 3*chunkSize + 7 {
		v := f.NewValue(OpI32Const, TypeI32)
		v.Aux = int64(i)
		ptrs = append(ptrs, v)
	}
	for i, p := range ptrs {
		require.Same(t, p, f.Value(ID(i)))
		require.Equal(t, ID(i), p.ID)
		require.Equal(t, int64(i), p.Aux)
	}
	// A function with a handful of values holds a single small chunk.
	g := NewFunc("g", Signature{})
	for range 10 {
		g.NewValue(OpI32Const, TypeI32)
	}
	require.Len(t, g.small[0], 1<<firstBits)
	require.Nil(t, g.small[1])
	require.Empty(t, g.chunks)
}
