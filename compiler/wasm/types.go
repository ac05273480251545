package wasm

import "strings"

// ValType is a value type as encoded in the binary format.
type ValType byte

const (
	I32       ValType = 0x7F
	I64       ValType = 0x7E
	F32       ValType = 0x7D
	F64       ValType = 0x7C
	V128      ValType = 0x7B
	FuncRef   ValType = 0x70
	ExternRef ValType = 0x6F
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
	return "unknown"
}

// IsRef reports whether t is a reference type.
func (t ValType) IsRef() bool { return t == FuncRef || t == ExternRef }

// FuncType is a function signature.
type FuncType struct {
	Params, Results []ValType
}

func (t *FuncType) String() string {
	var b strings.Builder
	b.WriteString("[")
	for i, p := range t.Params {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p.String())
	}
	b.WriteString("] -> [")
	for i, r := range t.Results {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(r.String())
	}
	b.WriteString("]")
	return b.String()
}

// Equal reports whether two signatures are structurally identical.
func (t *FuncType) Equal(u *FuncType) bool {
	if len(t.Params) != len(u.Params) || len(t.Results) != len(u.Results) {
		return false
	}
	for i := range t.Params {
		if t.Params[i] != u.Params[i] {
			return false
		}
	}
	for i := range t.Results {
		if t.Results[i] != u.Results[i] {
			return false
		}
	}
	return true
}

// Limits bounds a table or memory size.
type Limits struct {
	Min    uint32
	Max    uint32
	HasMax bool
}

// TableType describes a table.
type TableType struct {
	Elem   ValType
	Limits Limits
}

// MemoryType describes a linear memory in 64 KiB pages.
type MemoryType struct {
	Limits Limits
}

// GlobalType describes a global variable.
type GlobalType struct {
	Type    ValType
	Mutable bool
}

// ExternKind is the kind of an import or export.
type ExternKind byte

const (
	ExternFunc   ExternKind = 0
	ExternTable  ExternKind = 1
	ExternMemory ExternKind = 2
	ExternGlobal ExternKind = 3
)

func (k ExternKind) String() string {
	switch k {
	case ExternFunc:
		return "func"
	case ExternTable:
		return "table"
	case ExternMemory:
		return "memory"
	case ExternGlobal:
		return "global"
	}
	return "unknown"
}

// Import is one entry of the import section; the field matching Kind is set.
type Import struct {
	Module, Name string
	Kind         ExternKind
	TypeIndex    uint32 // ExternFunc
	Table        TableType
	Memory       MemoryType
	Global       GlobalType
	Offset       int
}

// Export is one entry of the export section.
type Export struct {
	Name   string
	Kind   ExternKind
	Index  uint32
	Offset int
}

// ConstExpr is a constant expression, kept as its encoded bytes including
// the final end opcode. Offset locates Bytes in the module.
type ConstExpr struct {
	Bytes  []byte
	Offset int
}

// Global is a defined global.
type Global struct {
	Type GlobalType
	Init ConstExpr
}

// SegmentMode says when an element or data segment is applied.
type SegmentMode byte

const (
	SegmentActive SegmentMode = iota
	SegmentPassive
	SegmentDeclarative
)

// ElementSegment is one entry of the element section. Exactly one of
// FuncIndices (encodings with function indices) and Exprs is used.
type ElementSegment struct {
	Mode        SegmentMode
	Table       uint32
	OffsetExpr  ConstExpr // active only
	ElemType    ValType
	FuncIndices []uint32
	Exprs       []ConstExpr
	UsesExprs   bool
	Offset      int
}

// Len is the number of items in the segment.
func (e *ElementSegment) Len() int {
	if e.UsesExprs {
		return len(e.Exprs)
	}
	return len(e.FuncIndices)
}

// DataSegment is one entry of the data section. Init aliases Module.Raw.
type DataSegment struct {
	Mode       SegmentMode
	Memory     uint32
	OffsetExpr ConstExpr // active only
	Init       []byte
	InitOffset int // offset of Init in the module
	Offset     int
}

// LocalGroup declares Count locals of one type.
type LocalGroup struct {
	Count uint32
	Type  ValType
}

// Code is one function body. Body aliases Module.Raw[Start:End] and holds
// the instructions after the local declarations, ending with the end opcode.
type Code struct {
	Locals    []LocalGroup
	NumLocals uint64 // sum of the group counts, excluding parameters
	Start     int
	End       int
	Body      []byte
	Offset    int // offset of the body size field
}

// Custom is a custom section. Payload aliases Module.Raw.
type Custom struct {
	Name          string
	Payload       []byte
	PayloadOffset int
	Offset        int
}

// Names holds what was understood of the name custom section.
type Names struct {
	Module    string
	Funcs     map[uint32]string
	Locals    map[uint32]map[uint32]string
	HasModule bool
}
