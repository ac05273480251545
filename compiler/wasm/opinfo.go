package wasm

import "fmt"

// Opcode identifies an operator. Single-byte operators are their byte;
// prefixed operators are prefix<<16 | subopcode.
type Opcode uint32

// ImmKind says which immediates follow an opcode.
type ImmKind uint8

const (
	ImmNone         ImmKind = iota
	ImmBlock                // block type
	ImmLabel                // label index
	ImmBrTable              // label vector and default
	ImmFunc                 // function index
	ImmCallIndirect         // type index, table index
	ImmLocal                // local index
	ImmGlobal               // global index
	ImmTable                // table index
	ImmMemArg               // alignment and offset
	ImmMemory               // memory index (a zero byte without multi-memory)
	ImmI32
	ImmI64
	ImmF32
	ImmF64
	ImmSelect     // vector of value types
	ImmRefType    // reference type
	ImmMemInit    // data index, memory index
	ImmData       // data index
	ImmMemCopy    // destination and source memory
	ImmMemFill    // memory index
	ImmTableInit  // element index, table index
	ImmElem       // element index
	ImmTableCopy  // destination and source table
	ImmV128       // 16 bytes
	ImmShuffle    // 16 lane indices
	ImmLane       // lane index
	ImmMemArgLane // alignment, offset and lane index
)

// OpInfo describes one operator.
type OpInfo struct {
	Op      Opcode
	Name    string   // text format name
	Imm     ImmKind  // immediates
	Feature Features // feature that introduced it, 0 for WebAssembly 1.0
	// Sig is the operator's fixed type as "params:results" with i=i32, I=i64,
	// f=f32, F=f64, v=v128, or "" if the type depends on immediates or context.
	Sig   string
	Align uint8 // natural alignment (log2) of memory accesses
	Lanes uint8 // number of lanes for lane immediates
	// In and Out are Sig decoded.
	In, Out []ValType
}

var (
	opsPlain [256]*OpInfo
	opsFC    [32]*OpInfo
	opsFD    [256]*OpInfo
)

func init() {
	for i := range opcodeTable {
		info := &opcodeTable[i]
		info.In, info.Out = parseSig(info.Sig)
		switch info.Op >> 16 {
		case 0:
			opsPlain[info.Op] = info
		case 0xFC:
			opsFC[info.Op&0xFFFF] = info
		case 0xFD:
			opsFD[info.Op&0xFFFF] = info
		default:
			panic("bad opcode table entry " + info.Name)
		}
	}
}

func parseSig(s string) (in, out []ValType) {
	if s == "" {
		return nil, nil
	}
	to := &in
	for i := 0; i < len(s); i++ {
		var t ValType
		switch s[i] {
		case ':':
			to = &out
			continue
		case 'i':
			t = I32
		case 'I':
			t = I64
		case 'f':
			t = F32
		case 'F':
			t = F64
		case 'v':
			t = V128
		default:
			panic("bad signature " + s)
		}
		*to = append(*to, t)
	}
	if out == nil {
		out = []ValType{}
	}
	return in, out
}

// Info returns the description of o, or nil if o is not a known operator.
func (o Opcode) Info() *OpInfo {
	switch o >> 16 {
	case 0:
		if o < 256 {
			return opsPlain[o]
		}
	case 0xFC:
		if o&0xFFFF < 32 {
			return opsFC[o&0xFFFF]
		}
	case 0xFD:
		if o&0xFFFF < 256 {
			return opsFD[o&0xFFFF]
		}
	}
	return nil
}

// String returns the text format name of o.
func (o Opcode) String() string {
	if info := o.Info(); info != nil {
		return info.Name
	}
	if o>>16 != 0 {
		return fmt.Sprintf("<unknown %#x %d>", uint32(o>>16), uint32(o&0xFFFF))
	}
	return fmt.Sprintf("<unknown %#x>", uint32(o))
}

// Opcodes returns the descriptions of all operators, in table order.
func Opcodes() []OpInfo { return opcodeTable[:] }

// Prefix returns the prefix byte of o (0xFC, 0xFD) or 0 for single-byte operators.
func (o Opcode) Prefix() byte { return byte(o >> 16) }

// Sub returns the subopcode of a prefixed operator, or the byte of a single-byte one.
func (o Opcode) Sub() uint32 { return uint32(o & 0xFFFF) }
