package backend

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestApplyAMD64Rel32(t *testing.T) {
	text := make([]byte, 64)
	text[16] = 0xe8 // call rel32 at 17
	require.NoError(t, Apply(text, RelocAMD64Rel32, 17, 0))
	require.Equal(t, int32(-21), int32(binary.LittleEndian.Uint32(text[17:])))
	require.Error(t, Apply(text, RelocAMD64Rel32, 62, 0))
}

func TestApplyARM64Call26(t *testing.T) {
	text := make([]byte, 1<<12)
	binary.LittleEndian.PutUint32(text[0x100:], 0x94000000) // bl 0
	require.NoError(t, Apply(text, RelocARM64Call26, 0x100, 0x40))
	// bl -0xc0: imm26 = -48
	require.Equal(t, uint32(0x97ffffd0), binary.LittleEndian.Uint32(text[0x100:]))
	require.NoError(t, Apply(text, RelocARM64Call26, 0x100, 0x200))
	require.Equal(t, uint32(0x94000040), binary.LittleEndian.Uint32(text[0x100:]))
	require.ErrorContains(t, Apply(text, RelocARM64Call26, 0x100, 0x102), "cannot reach")
}

func TestApplyARM64AdrpAdd(t *testing.T) {
	text := make([]byte, 1<<14)
	binary.LittleEndian.PutUint32(text[0x10:], 0x90000010) // adrp x16, 0
	binary.LittleEndian.PutUint32(text[0x14:], 0x91000210) // add x16, x16, #0
	require.NoError(t, Apply(text, RelocARM64AdrpAdd, 0x10, 0x3abc))
	// Three pages ahead: immlo = 3, immhi = 0; the low 12 bits 0xabc in ADD.
	require.Equal(t, uint32(0x90000010|3<<29), binary.LittleEndian.Uint32(text[0x10:]))
	require.Equal(t, uint32(0x91000210|0xabc<<10), binary.LittleEndian.Uint32(text[0x14:]))
}

type fakeTarget struct{ Target }

func (fakeTarget) Name() string { return "fake" }

func TestRegistry(t *testing.T) {
	Register(fakeTarget{})
	got, err := Lookup("fake")
	require.NoError(t, err)
	require.Equal(t, "fake", got.Name())
	require.Contains(t, Names(), "fake")
	_, err = Lookup("pdp11")
	require.ErrorContains(t, err, `not supported: target "pdp11" (supported: `)
	require.Panics(t, func() { Register(fakeTarget{}) })
}
