package runtime

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twitchyliquid64/golang-asm/obj"
	"github.com/twitchyliquid64/golang-asm/obj/x86"

	"github.com/wasiaot/wasiaot/runtime/abi"
	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// libModule defines and exports a memory, a table holding "seven", a
// mutable global and functions; userModule imports all of them.
func libModule(b *builder) {
	b.m.Memories = []artifact.MemoryType{{Limits: artifact.Limits{Min: 1, Max: 2, HasMax: true}}}
	b.m.Tables = []artifact.TableType{{Elem: artifact.FuncRef, Limits: artifact.Limits{Min: 2}}}
	b.m.Globals = []artifact.Global{{Type: artifact.GlobalType{Type: i32, Mutable: true}, Init: i32c(1)}}
	b.m.Elems = []artifact.ElemSegment{{Mode: artifact.Active, Offset: i32c(0), Type: artifact.FuncRef, Funcs: []uint32{0}}}
	b.export("mem", artifact.KindMemory, 0)
	b.export("tab", artifact.KindTable, 0)
	b.export("g", artifact.KindGlobal, 0)
	b.constFn("seven", 7, true)
	i32Fn := b.typ(nil, vt(i32))
	b.fn("callind", vt(i32), vt(i32), true, func(a *asm, idx uint32) { b.callIndirect(a, idx, 0, i32Fn) })
	b.fn("getg", nil, vt(i32), true, func(a *asm, _ uint32) {
		a.op(x86.AMOVL, mem(x86.REG_R15, int64(b.l.GlobalOffset(0))), reg(x86.REG_AX))
		a.op(obj.ARET, none, none)
	})
	memFns(b)
}

// memFns adds load8, store8, grow and size over memory 0.
func memFns(b *builder) {
	b.fn("load8", vt(i32), vt(i32), true, func(a *asm, _ uint32) {
		a.op(x86.AMOVL, reg(x86.REG_DI), reg(x86.REG_DI))
		a.op(x86.AMOVQ, mem(x86.REG_R15, abi.VMCtxMemoryBase), reg(x86.REG_AX))
		a.op(x86.AMOVBLZX, memIdx(x86.REG_AX, x86.REG_DI, 0), reg(x86.REG_AX))
		a.op(obj.ARET, none, none)
	})
	b.fn("store8", vt(i32, i32), nil, true, func(a *asm, _ uint32) {
		a.op(x86.AMOVL, reg(x86.REG_DI), reg(x86.REG_DI))
		a.op(x86.AMOVQ, mem(x86.REG_R15, abi.VMCtxMemoryBase), reg(x86.REG_AX))
		a.op(x86.AMOVB, reg(x86.REG_SI), memIdx(x86.REG_AX, x86.REG_DI, 0))
		a.op(obj.ARET, none, none)
	})
	b.fn("grow", vt(i32), vt(i32), true, func(a *asm, _ uint32) {
		a.op(x86.ASUBQ, imm(8), reg(x86.REG_SP))
		a.builtin(abi.BuiltinMemoryGrow, x86.REG_DI)
		a.op(x86.AADDQ, imm(8), reg(x86.REG_SP))
		a.op(obj.ARET, none, none)
	})
	b.fn("size", nil, vt(i32), true, func(a *asm, _ uint32) {
		a.op(x86.AMOVQ, mem(x86.REG_R15, int64(b.l.MemoryOwner)), reg(x86.REG_AX))
		a.op(x86.AMOVQ, mem(x86.REG_AX, abi.VMCtxMemoryLen), reg(x86.REG_AX))
		a.op(x86.ASHRQ, imm(16), reg(x86.REG_AX))
		a.op(obj.ARET, none, none)
	})
}

func userModule(b *builder) {
	b.importFunc("lib", "seven", nil, vt(i32))
	b.importOther(importMemory("lib", "mem", 1, 0, false))
	b.importOther(importTable("lib", "tab", 2, 0, false))
	b.importOther(importGlobal("lib", "g", i32, true))
	// The user puts its own "eight" into the shared table at 1.
	b.m.Elems = []artifact.ElemSegment{{Mode: artifact.Active, Offset: i32c(1), Type: artifact.FuncRef, Funcs: []uint32{1}}}
	b.constFn("eight", 8, true)
	b.fn("callseven", nil, vt(i32), true, func(a *asm, _ uint32) {
		a.op(x86.ASUBQ, imm(8), reg(x86.REG_SP))
		a.exit(0)
		a.args(x86.REG_AX)
		a.op(x86.AMOVL, mem(x86.REG_AX, 0), reg(x86.REG_AX))
		a.op(x86.AADDQ, imm(8), reg(x86.REG_SP))
		a.op(obj.ARET, none, none)
	})
	b.fn("setg", vt(i32), nil, true, func(a *asm, _ uint32) {
		a.op(x86.AMOVQ, mem(x86.REG_R15, int64(b.l.GlobalOffset(0))), reg(x86.REG_AX))
		a.op(x86.AMOVL, reg(x86.REG_DI), mem(x86.REG_AX, 0))
		a.op(obj.ARET, none, none)
	})
	i32Fn := b.typ(nil, vt(i32))
	b.fn("callind", vt(i32), vt(i32), true, func(a *asm, idx uint32) { b.callIndirect(a, idx, 0, i32Fn) })
	memFns(b)
}

func TestLinkInstances(t *testing.T) {
	rt := newRuntime(t)
	lib := instantiate(t, load(t, rt, libModule), nil)
	um := load(t, rt, userModule)
	im := Imports{}
	im.DefineInstance("lib", lib)
	user := instantiate(t, um, im)

	// Functions: an import call into another instance, and the same
	// function through the shared table (call_ref from the user, a direct
	// call in the lib); the user's function called from the lib.
	require.Equal(t, []uint64{7}, call(t, user, "callseven"))
	require.Equal(t, []uint64{7}, call(t, user, "callind", 0))
	require.Equal(t, []uint64{7}, call(t, lib, "callind", 0))
	require.Equal(t, []uint64{8}, call(t, lib, "callind", 1))
	require.Equal(t, []uint64{8}, call(t, user, "callind", 1))
	require.Same(t, lib.ExportedFunction("seven"), user.funcs[0])

	// Memory: shared, growth by either side seen by both.
	call(t, user, "store8", 10, 99)
	require.Equal(t, []uint64{99}, call(t, lib, "load8", 10))
	require.Same(t, lib.Memory(), user.Memory())
	require.Equal(t, []uint64{1}, call(t, user, "grow", 1))
	require.Equal(t, []uint64{2}, call(t, lib, "size"))
	require.Equal(t, []uint64{2}, call(t, user, "size"))
	call(t, lib, "store8", 65536+5, 3)
	require.Equal(t, []uint64{3}, call(t, user, "load8", 65536+5))
	require.Equal(t, []uint64{0xffffffff}, call(t, lib, "grow", 1))

	// Mutable global written by one, read by the other.
	call(t, user, "setg", 1234)
	require.Equal(t, []uint64{1234}, call(t, lib, "getg"))
	require.Equal(t, uint64(1234), lib.Global("g").Get())

	// Closing the exporter first keeps what the importer uses alive.
	require.NoError(t, lib.Close())
	_, err := lib.Call(context.Background(), "getg")
	require.ErrorIs(t, err, ErrClosed)
	require.Equal(t, []uint64{7}, call(t, user, "callseven"))
	require.Equal(t, []uint64{7}, call(t, user, "callind", 0))
	require.Equal(t, []uint64{3}, call(t, user, "load8", 65536+5))
	require.NoError(t, user.Close())
	require.Nil(t, instanceAt(lib.vm))
	require.Error(t, user.Close())
	_, err = um.Instantiate(context.Background(), im)
	require.ErrorContains(t, err, "incompatible import type")
}

// TestLoadFile loads artifacts from files, through the heap and straight
// into code pages.
func TestLoadFile(t *testing.T) { bothImageKinds(t, testLoadFile) }

func writeArtifact(t *testing.T, def func(*builder)) string {
	path := filepath.Join(t.TempDir(), "a.so")
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, artifact.Write(f, buildArtifact(t, def)))
	require.NoError(t, f.Close())
	return path
}

func testLoadFile(t *testing.T) {
	rt := newRuntime(t)
	path := writeArtifact(t, segModule)
	m, err := rt.LoadFile(path)
	require.NoError(t, err)
	defer m.Close()
	im, _ := segImports(t, 32)
	inst := instantiate(t, m, im)
	require.Equal(t, []uint64{100}, call(t, inst, "callind", 1))
	got, _ := inst.Memory().Read(32, 5)
	require.Equal(t, "hello", string(got))
	call(t, inst, "meminit", 1, 0, 0, 5)
	got, _ = inst.Memory().Read(0, 5)
	require.Equal(t, "world", string(got))

	// Trap sites are found in the tables read from the file.
	tm, err := rt.LoadFile(writeArtifact(t, trapModule))
	require.NoError(t, err)
	defer tm.Close()
	_, err = instantiate(t, tm, nil).Call(context.Background(), "div", 1, 0)
	requireTrap(t, err, TrapIntegerDivideByZero, 0)
	require.EqualError(t, err, `wasm trap: integer divide by zero (in function 0 "div" at wasm offset 0x2a)`)

	_, err = rt.LoadFile(filepath.Join(t.TempDir(), "missing.so"))
	require.ErrorIs(t, err, os.ErrNotExist)
	require.NoError(t, os.WriteFile(path, []byte("not an artifact"), 0o644))
	_, err = rt.LoadFile(path)
	require.ErrorIs(t, err, artifact.ErrTruncated)
	_, err = rt.LoadFile(t.TempDir())
	require.Error(t, err)
}

func TestLoadRejects(t *testing.T) {
	rt := newRuntime(t)
	for _, tc := range []struct {
		edit func(a *artifact.Artifact)
		want error
		msg  string
	}{
		{func(a *artifact.Artifact) { a.Header.ABIVersion = 99 }, artifact.ErrVersion, "ABI version 99"},
		{func(a *artifact.Artifact) { a.Header.Arch = artifact.ArchARM64 }, artifact.ErrArch, "built for arm64"},
		{func(a *artifact.Artifact) {
			a.Module.Memories = append(a.Module.Memories, artifact.MemoryType{})
		}, nil, "not supported: more than one memory"},
	} {
		art := buildArtifact(t, memModule)
		tc.edit(art)
		b, err := artifact.Marshal(art)
		require.NoError(t, err)
		_, err = rt.Load(b)
		require.ErrorContains(t, err, tc.msg)
		if tc.want != nil {
			require.ErrorIs(t, err, tc.want)
		}
	}
	_, err := rt.Load([]byte("ELF"))
	require.Error(t, err)
}

func TestHostMemory(t *testing.T) {
	rt := newRuntime(t)
	mem, err := rt.NewMemory(MemoryType{Limits: Limits{Min: 1, Max: 3, HasMax: true}})
	require.NoError(t, err)
	m := load(t, rt, func(b *builder) {
		b.importOther(importMemory("env", "mem", 1, 3, true))
		memFns(b)
	})
	inst := instantiate(t, m, Imports{"env": {"mem": mem}})
	require.True(t, mem.Write(7, []byte{42}))
	require.Equal(t, []uint64{42}, call(t, inst, "load8", 7))
	require.Equal(t, []uint64{1}, call(t, inst, "grow", 1))
	require.Equal(t, uint32(2), mem.Size())
	old, ok := mem.Grow(1)
	require.True(t, ok)
	require.Equal(t, uint32(2), old)
	require.Equal(t, []uint64{3}, call(t, inst, "size"))
	call(t, inst, "store8", 3*65536-1, 9)
	require.Equal(t, byte(9), mem.Bytes()[3*65536-1])
	require.Equal(t, []uint64{0xffffffff}, call(t, inst, "grow", 1))
	v, ok := mem.ReadUint32(3*65536 - 4)
	require.True(t, ok)
	require.Equal(t, uint32(9)<<24, v)
	require.True(t, mem.WriteUint32(0, 0xdeadbeef))
	require.Equal(t, []uint64{0xef}, call(t, inst, "load8", 0))
	_, ok = mem.Read(3*65536-1, 2)
	require.False(t, ok)
}
