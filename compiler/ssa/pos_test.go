package ssa

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The builder stamps every value and terminator with the current source
// position, and the text form does not show it.
func TestBuilderPos(t *testing.T) {
	f := NewFunc("pos", Signature{Params: []Type{TypeI32, TypeI32}, Results: []Type{TypeI32}})
	b := NewBuilder(f)
	entry := b.NewBlock(TypeI32, TypeI32)
	b.SetBlock(entry)
	require.Equal(t, int32(0), b.Pos())
	b.SetPos(17)
	q := b.Op2(OpI32DivU, b.Param(entry, 0), b.Param(entry, 1))
	b.SetPos(23)
	b.Return(q)
	require.Equal(t, int32(17), f.Value(q).Pos)
	require.Equal(t, int32(23), entry.Pos)
	require.Equal(t, int32(0), f.Value(b.Param(entry, 0)).Pos)
	require.NoError(t, Verify(f))
	g, err := Parse(f.String())
	require.NoError(t, err)
	require.Equal(t, f.String(), g.String())
}
