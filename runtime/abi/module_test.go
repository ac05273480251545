package abi

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLayout(t *testing.T) {
	l, err := NewLayout(ModuleShape{HeaderSize: 256, NumTypes: 3, NumFuncs: 5, NumGlobals: 2, NumTables: 2, HasMemory: true})
	require.NoError(t, err)
	assert.Equal(t, uint32(256), l.EntryTarget)
	assert.Equal(t, uint32(264), l.MemoryOwner)
	assert.Equal(t, uint32(272), l.TypeIDs)
	assert.Equal(t, uint32(272+12+4), l.FuncRefs) // aligned to 8 after 3 ids
	assert.Equal(t, uint32(336), l.Globals)       // 288+40 rounded up to 16
	assert.Zero(t, l.Globals%16)
	assert.Equal(t, l.Globals+32, l.Tables)
	assert.Equal(t, l.Tables+16, l.Size)
	assert.Equal(t, l.FuncRefs+8*4, l.FuncRefOffset(4))
	assert.Equal(t, l.TypeIDs+8, l.TypeIDOffset(2))
	assert.Equal(t, l.Globals+16, l.GlobalOffset(1))
	assert.Equal(t, l.Tables+8, l.TableOffset(1))

	empty, err := NewLayout(ModuleShape{HeaderSize: VMCtxHeaderSize})
	require.NoError(t, err)
	assert.Equal(t, uint32(VMCtxHeaderSize+16), empty.Size)

	_, err = NewLayout(ModuleShape{HeaderSize: VMCtxHeaderSize, NumFuncs: 1 << 30})
	assert.ErrorContains(t, err, "exceeds the limit")
	_, err = NewLayout(ModuleShape{NumFuncs: 1})
	assert.ErrorContains(t, err, "header size")
}

func TestRecordLayouts(t *testing.T) {
	var f FuncRef
	assert.Equal(t, uintptr(FuncRefCode), unsafe.Offsetof(f.Code))
	assert.Equal(t, uintptr(FuncRefVMCtx), unsafe.Offsetof(f.VMCtx))
	assert.Equal(t, uintptr(FuncRefTypeID), unsafe.Offsetof(f.TypeID))
	assert.Equal(t, uintptr(FuncRefIndex), unsafe.Offsetof(f.Index))
	assert.Equal(t, uintptr(FuncRefSize), unsafe.Sizeof(f))
	var d TableDesc
	assert.Equal(t, uintptr(TableDescElems), unsafe.Offsetof(d.Elems))
	assert.Equal(t, uintptr(TableDescLen), unsafe.Offsetof(d.Len))
	assert.Equal(t, uintptr(TableDescMax), unsafe.Offsetof(d.Max))
	assert.Equal(t, uintptr(TableDescSize), unsafe.Sizeof(d))
	assert.Equal(t, "memory.copy", BuiltinMemoryCopy.String())
	assert.Equal(t, "call_ref", BuiltinCallRef.String())
	assert.Len(t, builtinNames, int(NumBuiltins))
}
