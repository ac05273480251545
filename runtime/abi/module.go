package abi

import "fmt"

// The module area of the vmctx starts at the target's header size (VMCtxHeaderSize on the host). Its layout depends only on a module's
// counts (ModuleShape), so the compiler and the runtime compute the same offsets from the
// artifact's module description without sharing any other code. See docs/abi.md, "Module area".

// ModuleShape is what the module area's layout depends on. Counts include imports.
type ModuleShape struct {
	// HeaderSize is the target's vmctx header size, where the module area
	// starts: VMCtxHeaderSize on this host, the backend's when compiling.
	HeaderSize uint32
	NumTypes   uint32
	NumFuncs   uint32
	NumGlobals uint32
	NumTables  uint32
	HasMemory  bool
}

// Layout gives the byte offset, from the vmctx address (R15), of every module-area array.
type Layout struct {
	EntryTarget uint32 // uintptr: the function an entry stub calls (written by the runtime before Call)
	MemoryOwner uint32 // uintptr: vmctx of the instance that owns memory 0 (itself, or the exporter)
	TypeIDs     uint32 // uint32 × NumTypes: canonical signature id of each type index (never 0)
	FuncRefs    uint32 // uintptr × NumFuncs: address of each function's FuncRef record
	Globals     uint32 // 16 bytes × NumGlobals: see GlobalOffset
	Tables      uint32 // uintptr × NumTables: address of each table's TableDesc
	Size        uint32 // bytes from the vmctx address to the end of the module area
}

// maxModuleArea bounds the module area so that every offset fits a 32-bit displacement with room
// to spare; a module that needs more is rejected before any code is emitted.
const maxModuleArea = 1 << 30

// NewLayout computes the module area layout of a module.
func NewLayout(s ModuleShape) (Layout, error) {
	var l Layout
	if s.HeaderSize == 0 || s.HeaderSize%16 != 0 {
		return Layout{}, fmt.Errorf("vmctx header size %d is not a positive multiple of 16", s.HeaderSize)
	}
	off := uint64(s.HeaderSize)
	take := func(size uint64, align uint64) uint32 {
		off = (off + align - 1) &^ (align - 1)
		at := off
		off += size
		return uint32(at)
	}
	l.EntryTarget = take(8, 8)
	l.MemoryOwner = take(8, 8)
	l.TypeIDs = take(4*uint64(s.NumTypes), 8)
	l.FuncRefs = take(8*uint64(s.NumFuncs), 8)
	l.Globals = take(GlobalCellSize*uint64(s.NumGlobals), 16)
	l.Tables = take(8*uint64(s.NumTables), 8)
	off = (off + 15) &^ 15
	if off > maxModuleArea {
		return Layout{}, fmt.Errorf("vmctx module area of %d bytes exceeds the limit of %d", off, maxModuleArea)
	}
	l.Size = uint32(off)
	return l, nil
}

// TypeIDOffset is the offset of type index t's canonical signature id.
func (l *Layout) TypeIDOffset(t uint32) uint32 { return l.TypeIDs + 4*t }

// FuncRefOffset is the offset of the slot holding function f's FuncRef address.
func (l *Layout) FuncRefOffset(f uint32) uint32 { return l.FuncRefs + 8*f }

// GlobalOffset is the offset of global g's 16-byte slot. A defined global keeps its value there
// (i32/f32 in the low 4 bytes, i64/f64/funcref/externref in the low 8, v128 in all 16). An
// imported global's slot holds the address of the exporter's cell instead, so every importer
// sees writes to a mutable global.
func (l *Layout) GlobalOffset(g uint32) uint32 { return l.Globals + GlobalCellSize*g }

// TableOffset is the offset of the slot holding table t's TableDesc address.
func (l *Layout) TableOffset(t uint32) uint32 { return l.Tables + 8*t }

// GlobalCellSize is the size of one global slot.
const GlobalCellSize = 16

// FuncRef is the record a funcref value points to: one per function per instance, off the Go heap,
// immutable once the instance is created. A null funcref is address 0.
type FuncRef struct {
	Code   uintptr // entry in the wasm calling convention; valid only with VMCtx in R15
	VMCtx  uintptr // the instance the function belongs to; 0 for a host function
	TypeID uint32  // canonical signature id
	Index  uint32  // function index in its own module (host functions: the runtime's id)
}

// Field offsets of FuncRef, for generated code.
const (
	FuncRefCode   = 0
	FuncRefVMCtx  = 8
	FuncRefTypeID = 16
	FuncRefIndex  = 20
	FuncRefSize   = 24
)

// TableDesc describes one table, off the Go heap, shared by every instance that imports it.
// Elems holds Len 8-byte elements: a funcref element is a FuncRef address, an externref element
// is the host's handle; 0 is null in both. Elems may move when the table grows, so generated code
// reloads it at every access.
type TableDesc struct {
	Elems uintptr
	Len   uint32
	Max   uint32
}

// Field offsets of TableDesc, for generated code.
const (
	TableDescElems = 0
	TableDescLen   = 8
	TableDescMax   = 12
	TableDescSize  = 16
)

// Builtin is an operation generated code asks the runtime to perform. It leaves through the
// host-call exit exactly like an import call, with VMCtxExitArg = BuiltinBase + the builtin, its
// operands in the args buffer slots in the order listed (each slot holds an i32 zero-extended or an
// i64; references are addresses) and its result in slot 0. A builtin that traps (for example
// out-of-bounds memory.copy) makes the whole call trap with that wasm trap.
type Builtin uint32

// BuiltinBase separates builtins from import indices in VMCtxExitArg.
const BuiltinBase = 0x8000_0000

const (
	BuiltinMemoryGrow Builtin = iota // (delta) -> old size in pages, or -1 as i32
	BuiltinMemoryFill                // (dst, value, n)
	BuiltinMemoryCopy                // (dst, src, n)
	BuiltinMemoryInit                // (data segment, dst, src, n)
	BuiltinDataDrop                  // (data segment)
	BuiltinTableGrow                 // (table, init ref, delta) -> old size, or -1 as i32
	BuiltinTableFill                 // (table, dst, ref, n)
	BuiltinTableCopy                 // (dst table, src table, dst, src, n)
	BuiltinTableInit                 // (table, elem segment, dst, src, n)
	BuiltinElemDrop                  // (elem segment)
	BuiltinCallRef                   // (FuncRef address, params...) -> results: a call to another instance's or a host function
	NumBuiltins
)

var builtinNames = [...]string{
	"memory.grow", "memory.fill", "memory.copy", "memory.init", "data.drop",
	"table.grow", "table.fill", "table.copy", "table.init", "elem.drop", "call_ref",
}

func (b Builtin) String() string {
	if b < NumBuiltins {
		return builtinNames[b]
	}
	return fmt.Sprintf("builtin(%d)", uint32(b))
}

// MinArgSlots is the least number of args-buffer slots a vmctx gets, enough for every builtin.
const MinArgSlots = 8
