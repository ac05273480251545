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
	require.Len(t, g.tab, 1)
}

// A reset function starts over from ID 0 and block 0, reusing its storage,
// and holds nothing of the function before.
func TestFuncReset(t *testing.T) {
	f := NewFunc("f", Signature{Params: []Type{TypeI32}})
	b := NewBuilder(f)
	for range 3 {
		blk := b.NewBlock(TypeI32)
		b.SetBlock(blk)
		for range chunkSize + 3 {
			b.I32Const(1)
		}
	}
	old := f.Value(5)
	f.Reset("g", Signature{})
	require.Equal(t, "g", f.Name)
	require.Zero(t, f.NumValues())
	require.Zero(t, f.NumBlocks())
	require.Empty(t, f.Blocks)
	b = NewBuilder(f)
	blk := b.NewBlock()
	require.Equal(t, BlockID(0), blk.ID)
	require.Empty(t, blk.Params)
	require.Empty(t, blk.Instrs)
	require.Empty(t, blk.Preds)
	b.SetBlock(blk)
	var id ID
	for range 6 {
		id = b.I64Const(2)
	}
	require.Equal(t, ID(5), id)
	v := f.Value(id)
	require.Same(t, old, v, "value storage is reused")
	require.Equal(t, OpI64Const, f.Value(5).Op)
	require.Equal(t, blk.ID, v.Block)
}
