package artifact

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/runtime/trap"
)

// fnCode is a tiny amd64 function: push rbp; mov rbp,rsp; ud2; pop rbp; ret;
// padded with int3 to 16 bytes. The ud2 at offset 4 is a trap site.
var fnCode = []byte{0x55, 0x48, 0x89, 0xe5, 0x0f, 0x0b, 0x5d, 0xc3, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc}

const fnTrapOff = 4

// stubCode is a stub body: ret, padded.
var stubCode = []byte{0xc3, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc}

// sampleArtifact uses every part of the format once at least.
func sampleArtifact() *Artifact {
	a := &Artifact{
		Header: Header{
			CompilerVersion: "wasiaot test 0.1",
			Arch:            ArchAMD64,
			Features:        FeatureSSE41 | FeaturePOPCNT,
			ABIVersion:      3,
			SourceSHA256:    [32]byte{1, 2, 3, 31: 0xff},
			OptLevel:        2,
			Options:         []string{"bounds=guard", "preempt=poll"},
		},
		Module: Module{
			Types: []FuncType{
				{},
				{Params: []ValType{I32, I64}, Results: []ValType{F64}},
				{Params: []ValType{V128, FuncRef, ExternRef, F32}},
			},
			Imports: []Import{
				{Module: "wasi_snapshot_preview1", Name: "fd_write", Kind: KindFunc, TypeIndex: 1},
				{Module: "env", Name: "table", Kind: KindTable, Table: TableType{Elem: FuncRef, Limits: Limits{Min: 1, Max: 10, HasMax: true}}},
				{Module: "env", Name: "mem", Kind: KindMemory, Memory: MemoryType{Limits: Limits{Min: 1, Max: 2, HasMax: true}, Shared: true}},
				{Module: "env", Name: "g", Kind: KindGlobal, Global: GlobalType{Type: I32}},
			},
			Tables:   []TableType{{Elem: ExternRef, Limits: Limits{Min: 0}}},
			Memories: nil,
			Globals: []Global{
				{Type: GlobalType{Type: I32, Mutable: true}, Init: ConstExpr{{Op: OpGlobalGet, Imm: 0}, {Op: OpI32Const, Imm: 0xffffffff}, {Op: OpI32Add}}},
				{Type: GlobalType{Type: F64}, Init: ConstExpr{{Op: OpF64Const, Imm: 0x400921fb54442d18}}},
				{Type: GlobalType{Type: V128}, Init: ConstExpr{{Op: OpV128Const, Imm: 1, Hi: 1 << 63}}},
				{Type: GlobalType{Type: FuncRef}, Init: ConstExpr{{Op: OpRefFunc, Imm: 2}}},
				{Type: GlobalType{Type: ExternRef}, Init: ConstExpr{{Op: OpRefNull, Imm: uint64(ExternRef)}}},
				{Type: GlobalType{Type: I64}, Init: ConstExpr{{Op: OpI64Const, Imm: 1 << 40}, {Op: OpI64Const, Imm: 3}, {Op: OpI64Mul}}},
			},
			Exports: []Export{
				{Name: "_start", Kind: KindFunc, Index: 1},
				{Name: "memory", Kind: KindMemory, Index: 0},
				{Name: "pi", Kind: KindGlobal, Index: 2},
				{Name: "t", Kind: KindTable, Index: 1},
			},
			HasStart: true,
			Start:    1,
			Elems: []ElemSegment{
				{Mode: Active, Table: 0, Offset: ConstExpr{{Op: OpI32Const, Imm: 0}}, Type: FuncRef, Funcs: []uint32{1, 2, 0}},
				{Mode: Passive, Type: FuncRef, UseExprs: true, Exprs: []ConstExpr{{{Op: OpRefFunc, Imm: 3}}, {{Op: OpRefNull, Imm: uint64(FuncRef)}}}},
				{Mode: Declarative, Type: FuncRef, Funcs: []uint32{2}},
				{Mode: Active, Table: 1, Offset: ConstExpr{{Op: OpGlobalGet, Imm: 0}}, Type: ExternRef, UseExprs: true, Exprs: []ConstExpr{{{Op: OpRefNull, Imm: uint64(ExternRef)}}}},
			},
			Name: "sample",
			FuncNames: []FuncName{
				{Index: 0, Name: "fd_write"},
				{Index: 1, Name: "_start"},
				{Index: 2, Name: "std::vec::Vec<u8> push"},
				{Index: 3, Name: "_start"},
			},
		},
	}
	a.Module.Funcs = []Func{{TypeIndex: 0}, {TypeIndex: 1}, {TypeIndex: 2}}
	for i := range a.Module.Funcs {
		f := &a.Module.Funcs[i]
		f.Offset = uint32(len(a.Text))
		f.Size = uint32(len(fnCode))
		a.Text = append(a.Text, fnCode...)
		a.Code.Traps = append(a.Code.Traps, Site{Offset: f.Offset + fnTrapOff, Kind: trap.Kind(1 + i), Func: 1 + uint32(i), WasmOffset: 100 + uint32(i)})
		a.Code.Calls = append(a.Code.Calls, Site{Offset: f.Offset + 6, Func: 1 + uint32(i), WasmOffset: 200 + uint32(i)})
	}
	a.Code.Stubs = []Stub{{Name: "trap", Offset: uint32(len(a.Text)), Size: uint32(len(stubCode))}}
	a.Text = append(a.Text, stubCode...)
	entry := uint32(len(a.Text))
	a.Text = append(a.Text, stubCode...)
	a.Code.EntryStubs = []uint32{entry, entry, NoStub}

	a.AppendRodata([]byte{1, 2, 3}, 1) // a constant
	off := a.AppendRodata([]byte("hello, world\n"), 16)
	a.Module.Datas = []DataSegment{
		{Mode: Active, Memory: 0, Offset: ConstExpr{{Op: OpI32Const, Imm: 1024}}, RodataOffset: off, Size: 13},
		{Mode: Passive, RodataOffset: off + 7, Size: 5},
		{Mode: Passive, RodataOffset: off, Size: 0},
	}
	return a
}

// bigArtifact has n functions with three trap sites and one call site each.
func bigArtifact(n int) *Artifact {
	a := &Artifact{Header: Header{CompilerVersion: "bench", Arch: ArchAMD64, Features: FeatureAVX2 | FeatureBMI2}}
	a.Module.Types = []FuncType{{Params: []ValType{I32}, Results: []ValType{I32}}}
	a.Module.Memories = []MemoryType{{Limits: Limits{Min: 16}}}
	code := bytes.Repeat([]byte{0x90}, 64)
	a.Text = make([]byte, 0, 64*n)
	for i := 0; i < n; i++ {
		off := uint32(len(a.Text))
		a.Text = append(a.Text, code...)
		a.Module.Funcs = append(a.Module.Funcs, Func{TypeIndex: 0, Offset: off, Size: 64})
		for k := uint32(0); k < 3; k++ {
			a.Code.Traps = append(a.Code.Traps, Site{Offset: off + 8 + 16*k, Kind: trap.MemoryOutOfBounds, Func: uint32(i), WasmOffset: uint32(i*40) + k})
		}
		a.Code.Calls = append(a.Code.Calls, Site{Offset: off + 60, Func: uint32(i), WasmOffset: uint32(i * 40)})
		if i%2 == 0 {
			a.Module.FuncNames = append(a.Module.FuncNames, FuncName{Index: uint32(i), Name: "function_name_" + itoaTest(i)})
		}
		if i%10 == 0 {
			a.Module.Exports = append(a.Module.Exports, Export{Name: "export_" + itoaTest(i), Kind: KindFunc, Index: uint32(i)})
		}
	}
	a.Rodata = bytes.Repeat([]byte{7}, 4096)
	a.Module.Datas = []DataSegment{{Mode: Active, Offset: ConstExpr{{Op: OpI32Const, Imm: 0}}, Size: 4096}}
	return a
}

func itoaTest(i int) string { return strconv.Itoa(i) }

func mustMarshal(t testing.TB, a *Artifact) []byte {
	t.Helper()
	b, err := Marshal(a)
	require.NoError(t, err)
	return b
}

// comparable returns a copy of a with reader-only fields cleared.
func comparable(a *Artifact) Artifact {
	c := *a
	c.Layout = Layout{}
	return c
}
