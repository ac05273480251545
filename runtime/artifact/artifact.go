package artifact

import (
	"fmt"
	"sort"

	"github.com/wasiaot/wasiaot/runtime/trap"
)

// FormatVersion is the version of the .wasiaot metadata encoding this package
// writes and the only one it reads.
const FormatVersion = 2

// NoStub marks a type index without a host entry stub in Code.EntryStubs.
const NoStub = ^uint32(0)

// Artifact is everything the runtime needs to load compiled code: the header
// facts, the wasm module description, the code layout, and the section bytes.
//
// Slices that are empty are nil after Parse; writers should use nil as well so
// that a written and re-parsed Artifact compares equal.
type Artifact struct {
	Header Header
	Module Module
	Code   Code

	// Text holds the machine code. Offsets in Code are relative to its start.
	// It is nil after ParseReaderAt; Layout then says where it is in the file.
	Text []byte
	// Rodata holds constants and the bytes of data segments. It is nil after
	// ParseReaderAt.
	Rodata []byte

	// Signature is set when the artifact is signed (see Sign).
	Signature *Signature

	// Layout is filled in by the readers and ignored by the writer.
	Layout Layout
}

// Header holds the facts checked before any code is trusted.
type Header struct {
	// CompilerVersion identifies the compiler that produced the code.
	CompilerVersion string
	// Arch is the machine the code is for.
	Arch Arch
	// Features are the CPU features the code assumes.
	Features Features
	// ABIVersion is the vmctx layout and calling convention version the code
	// expects; the runtime compares it against its own.
	ABIVersion uint32
	// SourceSHA256 is the SHA-256 of the source wasm binary.
	SourceSHA256 [32]byte
	// OptLevel is the optimisation level the code was built with.
	OptLevel uint8
	// Options are further build flags, "key=value" by convention, in the
	// order the compiler chose (it should sort them).
	Options []string
}

// OptionFeatures prefixes the build option that records the WebAssembly features a module was
// compiled for, as wasm.Features prints them: "features=mutable-global|sign-ext|...".
const OptionFeatures = "features="

// OptionCPU prefixes the build option that records the CPU level the code was compiled for: a
// level's name ("baseline", "x86-64-v3") or a list of features. The features the code does use
// are Header.Features.
const OptionCPU = "cpu="

// Layout says where the loadable segments are, in the file and in the
// artifact's virtual address space. Code that addresses rodata relative to
// the instruction pointer needs RodataAddr-TextAddr preserved when mapping.
type Layout struct {
	TextOffset, TextAddr, TextSize       uint64
	RodataOffset, RodataAddr, RodataSize uint64
	// PageAlign is the alignment of both segments in the file and in
	// memory; mapping needs a host page size that divides it.
	PageAlign uint64
	// SignatureOffset is the file offset of the .wasiaot.sig section, zero
	// when the artifact is not signed.
	SignatureOffset uint64
	// Digest is the SHA-256 of the .wasiaot.digest section, which holds
	// digests of every byte of the file but the 64 signature bytes: what a
	// signature signs, and a name for the artifact's contents.
	Digest [32]byte
}

// ValType is a wasm value type in its binary encoding.
type ValType uint8

const (
	I32       ValType = 0x7f
	I64       ValType = 0x7e
	F32       ValType = 0x7d
	F64       ValType = 0x7c
	V128      ValType = 0x7b
	FuncRef   ValType = 0x70
	ExternRef ValType = 0x6f
)

func (t ValType) String() string {
	switch t {
	case I32:
		return "i32"
	case I64:
		return "i64"
	case F32:
		return "f32"
	case F64:
		return "f64"
	case V128:
		return "v128"
	case FuncRef:
		return "funcref"
	case ExternRef:
		return "externref"
	}
	return fmt.Sprintf("valtype(%#x)", uint8(t))
}

// ExternKind is the kind of an import or export, in its binary encoding.
type ExternKind uint8

const (
	KindFunc   ExternKind = 0
	KindTable  ExternKind = 1
	KindMemory ExternKind = 2
	KindGlobal ExternKind = 3
)

// Module describes the wasm module the code was compiled from.
type Module struct {
	Types   []FuncType
	Imports []Import
	// Funcs are the defined (non-imported) functions in index order; the
	// first one has function index NumImportedFuncs().
	Funcs    []Func
	Tables   []TableType
	Memories []MemoryType
	Globals  []Global
	Exports  []Export
	// Start is the start function's index when HasStart is set.
	HasStart bool
	Start    uint32
	Elems    []ElemSegment
	Datas    []DataSegment
	// Name is the module name from the name section.
	Name string
	// FuncNames are names from the name section, sorted by function index.
	FuncNames []FuncName
}

// FuncType is a function signature.
type FuncType struct {
	Params, Results []ValType
}

// Limits bound a memory (in 64 KiB pages) or a table (in elements).
type Limits struct {
	Min, Max uint64
	HasMax   bool
}

// MemoryType describes a linear memory.
type MemoryType struct {
	Limits
	Shared bool
}

// TableType describes a table.
type TableType struct {
	Elem ValType
	Limits
}

// GlobalType describes a global.
type GlobalType struct {
	Type    ValType
	Mutable bool
}

// Import is an imported function, table, memory or global. Only the field
// matching Kind is meaningful; the others stay zero.
type Import struct {
	Module, Name string
	Kind         ExternKind
	TypeIndex    uint32 // KindFunc
	Table        TableType
	Memory       MemoryType
	Global       GlobalType
}

// Export is an exported entity.
type Export struct {
	Name  string
	Kind  ExternKind
	Index uint32
}

// Func is a defined function and where its code is in .text.
type Func struct {
	TypeIndex uint32
	Offset    uint32
	Size      uint32
}

// Global is a defined global.
type Global struct {
	Type GlobalType
	Init ConstExpr
}

// SegmentMode is how an element or data segment is applied.
type SegmentMode uint8

const (
	Active SegmentMode = iota
	Passive
	Declarative // element segments only
)

// ElemSegment is an element segment. Its items are either function indices
// (Funcs) or constant expressions (Exprs); UseExprs says which.
type ElemSegment struct {
	Mode     SegmentMode
	Table    uint32
	Offset   ConstExpr // Active only
	Type     ValType
	UseExprs bool
	Funcs    []uint32
	Exprs    []ConstExpr
}

// DataSegment is a data segment; its bytes are Rodata[RodataOffset:][:Size].
type DataSegment struct {
	Mode         SegmentMode
	Memory       uint32
	Offset       ConstExpr // Active only
	RodataOffset uint32
	Size         uint32
}

// FuncName names a function (imported or defined).
type FuncName struct {
	Index uint32
	Name  string
}

// ConstOpcode is an operation of a constant expression.
type ConstOpcode uint8

const (
	OpI32Const  ConstOpcode = iota + 1 // Imm: the value, zero-extended
	OpI64Const                         // Imm: the value
	OpF32Const                         // Imm: the IEEE bits, zero-extended
	OpF64Const                         // Imm: the IEEE bits
	OpV128Const                        // Imm: low 64 bits, Hi: high 64 bits
	OpGlobalGet                        // Imm: global index
	OpRefNull                          // Imm: the reference ValType
	OpRefFunc                          // Imm: function index
	OpI32Add                           // extended-const arithmetic
	OpI32Sub
	OpI32Mul
	OpI64Add
	OpI64Sub
	OpI64Mul
	opLimit
)

// ConstOp is one operation of a constant expression.
type ConstOp struct {
	Op  ConstOpcode
	Imm uint64
	Hi  uint64
}

// ConstExpr is a constant expression as a stack program producing exactly one
// value. The plain forms (a constant, global.get, ref.null, ref.func) are a
// single op; extended-const adds arithmetic.
type ConstExpr []ConstOp

// Code is the layout of the machine code in .text.
type Code struct {
	// EntryStubs holds, per type index, the offset of the stub the host calls
	// to enter a function of that type, or NoStub. It is empty or has one
	// entry per type.
	EntryStubs []uint32
	// Stubs are other named pieces of code (trap stub, exit stubs, helpers).
	Stubs []Stub
	// Traps are the trap sites, sorted by strictly increasing Offset.
	// Readers asked for Options.LazySites leave Traps and Calls nil;
	// TrapAt, CallAt, TrapSites and CallSites work either way.
	Traps []Site
	// Calls are call sites for backtraces, sorted like Traps.
	Calls []Site

	// traps and calls hold the tables instead of Traps and Calls when a
	// reader was asked to keep them encoded (Options.LazySites).
	traps, calls *encodedSites
}

// Stub is a named range of .text outside any wasm function.
type Stub struct {
	Name   string
	Offset uint32
	Size   uint32
}

// Site is an instruction in a wasm function that can trap or call: Offset in
// .text, the function index, and the wasm byte offset it came from. Kind is
// zero for call sites.
type Site struct {
	Offset     uint32
	Kind       trap.Kind
	Func       uint32
	WasmOffset uint32
}

// Signature is an ed25519 signature over the artifact (see Sign).
type Signature struct {
	PublicKey [32]byte
	Sig       [64]byte
}

// FuncName returns the name of function idx (in the function index space):
// from the name section, or else its first export's name, or "".
func (m *Module) FuncName(idx uint32) string {
	n := m.FuncNames
	i := sort.Search(len(n), func(i int) bool { return n[i].Index >= idx })
	if i < len(n) && n[i].Index == idx {
		return n[i].Name
	}
	for _, e := range m.Exports {
		if e.Kind == KindFunc && e.Index == idx {
			return e.Name
		}
	}
	return ""
}

// NumImportedFuncs returns the number of imported functions.
func (m *Module) NumImportedFuncs() uint32 { return m.countImports(KindFunc) }

func (m *Module) countImports(k ExternKind) uint32 {
	n := uint32(0)
	for i := range m.Imports {
		if m.Imports[i].Kind == k {
			n++
		}
	}
	return n
}

// SegmentData returns the bytes of data segment i.
func (a *Artifact) SegmentData(i int) []byte {
	d := a.Module.Datas[i]
	return a.Rodata[d.RodataOffset : d.RodataOffset+d.Size]
}

// AppendRodata appends b to Rodata aligned to align (a power of two) and
// returns its offset, for placing data segments and constants.
func (a *Artifact) AppendRodata(b []byte, align int) uint32 {
	for len(a.Rodata)%align != 0 {
		a.Rodata = append(a.Rodata, 0)
	}
	off := uint32(len(a.Rodata))
	a.Rodata = append(a.Rodata, b...)
	return off
}

// TrapAt returns the trap site at text offset off.
func (c *Code) TrapAt(off uint32) (Site, bool) {
	if c.traps != nil {
		return c.traps.At(off)
	}
	return siteAt(c.Traps, off)
}

// CallAt returns the call site at text offset off.
func (c *Code) CallAt(off uint32) (Site, bool) {
	if c.calls != nil {
		return c.calls.At(off)
	}
	return siteAt(c.Calls, off)
}

// TrapSites returns the trap sites, decoding them if a reader kept them
// encoded.
func (c *Code) TrapSites() []Site {
	if c.traps != nil {
		return c.traps.Sites()
	}
	return c.Traps
}

// CallSites returns the call sites, decoding them if a reader kept them
// encoded.
func (c *Code) CallSites() []Site {
	if c.calls != nil {
		return c.calls.Sites()
	}
	return c.Calls
}

func siteAt(s []Site, off uint32) (Site, bool) {
	lo, hi := 0, len(s)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s[m].Offset < off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(s) && s[lo].Offset == off {
		return s[lo], true
	}
	return Site{}, false
}

// FuncAt returns the index (in the function index space) of the defined
// function whose code contains text offset off. Funcs are sorted by offset.
func (m *Module) FuncAt(off uint32) (uint32, bool) {
	f := m.Funcs
	lo, hi := 0, len(f)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if f[mid].Offset+f[mid].Size <= off {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(f) && f[lo].Offset <= off && off < f[lo].Offset+f[lo].Size {
		return m.NumImportedFuncs() + uint32(lo), true
	}
	return 0, false
}
