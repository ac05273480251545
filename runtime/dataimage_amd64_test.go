package runtime

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/runtime/abi"
	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// manySegments is a module like a Go program's: hundreds of small active
// data segments (one overlapping another), a passive one, 3 pages.
func manySegments(b *builder) {
	b.m.Memories = []artifact.MemoryType{{Limits: artifact.Limits{Min: 3, Max: 4, HasMax: true}}}
	b.export("mem", artifact.KindMemory, 0)
	for i := range 300 {
		b.rodata = append(b.rodata, bytes.Repeat([]byte{byte(i)}, 100)...)
		b.m.Datas = append(b.m.Datas, artifact.DataSegment{Mode: artifact.Active, Offset: i32c(uint64(1000 + 150*i)), RodataOffset: uint32(100 * i), Size: 100})
	}
	b.m.Datas = append(b.m.Datas,
		artifact.DataSegment{Mode: artifact.Active, Offset: i32c(1050), RodataOffset: 500, Size: 100},
		artifact.DataSegment{Mode: artifact.Passive, RodataOffset: 0, Size: 10},
		artifact.DataSegment{Mode: artifact.Active, Offset: i32c(3*abi.WasmPageSize - 100), RodataOffset: 200, Size: 100},
	)
}

// copied is what a memory of manySegments reads as, the segments copied in
// order.
func copied(b *builder) []byte {
	want := make([]byte, 3*abi.WasmPageSize)
	for _, d := range b.m.Datas {
		if d.Mode == artifact.Active {
			copy(want[d.Offset[0].Imm:], b.rodata[d.RodataOffset:d.RodataOffset+d.Size])
		}
	}
	return want
}

func TestDataImage(t *testing.T) {
	rt := newRuntime(t)
	m := load(t, rt, manySegments)
	var b builder
	manySegments(&b)
	want := copied(&b)

	inst := instantiate(t, m, nil)
	require.NotNil(t, inst.Memory().mem.Image(), "the module's memory maps its data image")
	require.True(t, bytes.Equal(want, inst.Memory().Bytes()))
	inst.Memory().Bytes()[1000] = 0xff
	other := instantiate(t, m, nil)
	require.True(t, bytes.Equal(want, other.Memory().Bytes()), "a second instance does not see the first's writes")

	// The active segments are dropped; the passive one is not until a
	// data.drop, which changes one instance only.
	builtin := func(inst *Instance, op abi.Builtin, args ...uint64) error {
		for i, a := range args {
			binary.LittleEndian.PutUint64(inst.ctx.Args()[i*abi.ArgSlotSize:], a)
		}
		return inst.builtin(op)
	}
	requireTrap(t, builtin(inst, abi.BuiltinMemoryInit, 0, 0, 0, 1), TrapMemoryOutOfBounds, ^uint32(0))
	require.NoError(t, builtin(inst, abi.BuiltinMemoryInit, 301, 0, 0, 10))
	require.Equal(t, make([]byte, 10), inst.Memory().Bytes()[:10])
	require.NoError(t, builtin(inst, abi.BuiltinDataDrop, 301))
	requireTrap(t, builtin(inst, abi.BuiltinMemoryInit, 301, 0, 0, 1), TrapMemoryOutOfBounds, ^uint32(0))
	require.NoError(t, builtin(other, abi.BuiltinMemoryInit, 301, 0, 0, 1), "data.drop in another instance")

	// A released memory comes back as the image, also after growing.
	_, ok := inst.Memory().Grow(1)
	require.True(t, ok)
	inst.Memory().Bytes()[4*abi.WasmPageSize-1] = 1
	require.NoError(t, inst.Close())
	require.NoError(t, other.Close())
	for range 3 {
		again := instantiate(t, m, nil)
		require.True(t, bytes.Equal(want, again.Memory().Bytes()))
		require.Equal(t, uint32(3), again.Memory().Size())
		again.Memory().Bytes()[5000] = 7
		require.NoError(t, again.Close())
	}
	// A module without data gets zeroed memory from the same pool.
	plain := instantiate(t, load(t, rt, memModule), nil)
	require.Nil(t, plain.Memory().mem.Image())
	require.True(t, bytes.Equal(make([]byte, len(plain.Memory().Bytes())), plain.Memory().Bytes()))
}

// TestDataImageNotUsed: segments that the image cannot hold are copied,
// with the errors instantiation gives without an image.
func TestDataImageNotUsed(t *testing.T) {
	rt := newRuntime(t)
	outside := func(b *builder) {
		manySegments(b)
		b.m.Datas[5].Offset = i32c(3*abi.WasmPageSize - 50) // past the end
	}
	_, err := load(t, rt, outside).Instantiate(context.Background(), nil)
	requireTrap(t, err, TrapMemoryOutOfBounds, ^uint32(0))
	fromGlobal := func(b *builder) {
		manySegments(b)
		b.importOther(importGlobal("env", "base", i32, false))
		b.m.Datas[1].Offset = artifact.ConstExpr{{Op: artifact.OpGlobalGet, Imm: 0}}
	}
	base, err := NewGlobal(GlobalType{Type: i32}, 60000)
	require.NoError(t, err)
	inst := instantiate(t, load(t, rt, fromGlobal), Imports{"env": {"base": base}})
	require.Nil(t, inst.Memory().mem.Image())
	require.Equal(t, bytes.Repeat([]byte{1}, 100), inst.Memory().Bytes()[60000:60100], "segment 1 at the global's offset")
	require.Equal(t, make([]byte, 100), inst.Memory().Bytes()[1150:1250], "not at its own")
	require.Equal(t, bytes.Repeat([]byte{2}, 100), inst.Memory().Bytes()[1300:1400])
}
