package wasm

import (
	"fmt"
	"io"
)

// BlockType is the type of a block, loop or if: BlockEmpty, a single value
// type (negative, as encoded in s33), or a non-negative type index.
type BlockType int64

// BlockEmpty is the block type with no parameters and no results.
const BlockEmpty BlockType = -0x40

// IsEmpty reports whether t has no parameters and no results.
func (t BlockType) IsEmpty() bool { return t == BlockEmpty }

// IsIndex reports whether t refers to the type section.
func (t BlockType) IsIndex() bool { return t >= 0 }

// ValType returns the single result type of t; valid when neither IsEmpty nor IsIndex.
func (t BlockType) ValType() ValType { return ValType(byte(t) & 0x7F) }

// MemArg is the immediate of a memory access.
type MemArg struct {
	Align  uint32 // log2 of the alignment hint
	Offset uint64
	Mem    uint32
}

// Instr is one decoded instruction. Only the fields used by the operator's
// ImmKind are meaningful; the others may hold values of earlier instructions.
type Instr struct {
	Op        Opcode
	Info      *OpInfo
	Offset    int // byte offset of the opcode in the module
	BlockType BlockType
	Index     uint32
	Index2    uint32
	Mem       MemArg
	I32       int32
	I64       int64
	F32       uint32
	F64       uint64
	V128      [16]byte
	Lane      byte
	Labels    []uint32  // br_table targets, default last; reused between calls
	Types     []ValType // select t* types; reused between calls
	RefType   ValType   // ref.null
}

// Reader decodes instructions one at a time from a function body or constant expression.
type Reader struct {
	c      cursor
	f      Features
	labels []uint32
	types  []ValType
}

// NewReader returns a reader over body, whose first byte is at module offset baseOffset.
func NewReader(body []byte, baseOffset int, f Features) *Reader {
	r := &Reader{}
	r.Reset(body, baseOffset, f)
	return r
}

// Reset starts reading a new body, keeping internal buffers.
func (r *Reader) Reset(body []byte, baseOffset int, f Features) {
	r.c = cursor{buf: body, base: baseOffset}
	r.f = f
}

// Offset returns the module offset of the next instruction.
func (r *Reader) Offset() int { return r.c.offset() }

// Remaining returns the number of unread bytes.
func (r *Reader) Remaining() int { return len(r.c.buf) - r.c.pos }

func validValType(b byte, f Features) bool {
	switch ValType(b) {
	case I32, I64, F32, F64:
		return true
	case V128:
		return f&FeatureSIMD != 0
	case FuncRef, ExternRef:
		return f&FeatureReferenceTypes != 0
	}
	return false
}

func (r *Reader) zeroByte() error {
	off := r.c.offset()
	b, err := r.c.byte()
	if err != nil {
		return err
	}
	if b != 0 {
		return r.c.errAt(off, "zero byte expected")
	}
	return nil
}

// Next decodes the next instruction into ins. It returns io.EOF when the
// body is exhausted and an *Error for malformed input.
func (r *Reader) Next(ins *Instr) error {
	c := &r.c
	if c.pos >= len(c.buf) {
		return io.EOF
	}
	off := c.offset()
	b := c.buf[c.pos]
	c.pos++
	var info *OpInfo
	switch b {
	case 0xFC, 0xFD:
		sub, err := c.u32()
		if err != nil {
			return err
		}
		if b == 0xFC && sub < uint32(len(opsFC)) {
			info = opsFC[sub]
		} else if b == 0xFD && sub < uint32(len(opsFD)) {
			info = opsFD[sub]
		}
		if info == nil {
			return c.errAt(off, fmt.Sprintf("illegal opcode %#x %d", b, sub))
		}
	default:
		info = opsPlain[b]
		if info == nil {
			return c.errAt(off, fmt.Sprintf("illegal opcode %#x", b))
		}
	}
	if info.Feature != 0 && r.f&info.Feature == 0 {
		return c.errAt(off, fmt.Sprintf("illegal opcode %s (feature %s not enabled)", info.Name, info.Feature))
	}
	ins.Op = info.Op
	ins.Info = info
	ins.Offset = off
	var err error
	switch info.Imm {
	case ImmNone:
	case ImmBlock:
		var v int64
		v, err = c.s33()
		if err != nil {
			return err
		}
		if v < 0 {
			if v != int64(BlockEmpty) && (v < -0x40 || !validValType(byte(v)&0x7F, r.f)) {
				return c.errAt(off+1, "malformed block type")
			}
		} else if r.f&FeatureMultiValue == 0 {
			return c.errAt(off+1, "malformed block type")
		}
		ins.BlockType = BlockType(v)
	case ImmLabel, ImmFunc, ImmLocal, ImmGlobal, ImmTable, ImmData, ImmElem:
		ins.Index, err = c.u32()
	case ImmBrTable:
		var n int
		n, err = c.count(1)
		if err != nil {
			return err
		}
		labels := r.labels[:0]
		for i := 0; i <= n; i++ {
			var l uint32
			if l, err = c.u32(); err != nil {
				return err
			}
			labels = append(labels, l)
		}
		r.labels = labels
		ins.Labels = labels
	case ImmCallIndirect:
		if ins.Index, err = c.u32(); err != nil {
			return err
		}
		if r.f&FeatureReferenceTypes != 0 {
			ins.Index2, err = c.u32()
		} else {
			ins.Index2 = 0
			err = r.zeroByte()
		}
	case ImmMemArg, ImmMemArgLane:
		var a, o uint32
		if a, err = c.u32(); err != nil {
			return err
		}
		if o, err = c.u32(); err != nil {
			return err
		}
		if a >= 32 {
			return c.errAt(off, "malformed memop flags")
		}
		ins.Mem = MemArg{Align: a, Offset: uint64(o)}
		if info.Imm == ImmMemArgLane {
			ins.Lane, err = c.byte()
		}
	case ImmMemory, ImmMemFill:
		ins.Index = 0
		err = r.zeroByte()
	case ImmMemInit:
		if ins.Index, err = c.u32(); err != nil {
			return err
		}
		ins.Index2 = 0
		err = r.zeroByte()
	case ImmMemCopy:
		ins.Index, ins.Index2 = 0, 0
		if err = r.zeroByte(); err == nil {
			err = r.zeroByte()
		}
	case ImmTableInit, ImmTableCopy:
		if ins.Index, err = c.u32(); err != nil {
			return err
		}
		ins.Index2, err = c.u32()
	case ImmI32:
		ins.I32, err = c.s32()
	case ImmI64:
		ins.I64, err = c.s64()
	case ImmF32:
		ins.F32, err = c.f32()
	case ImmF64:
		ins.F64, err = c.f64()
	case ImmSelect:
		var n int
		if n, err = c.count(1); err != nil {
			return err
		}
		types := r.types[:0]
		for i := 0; i < n; i++ {
			toff := c.offset()
			var t byte
			if t, err = c.byte(); err != nil {
				return err
			}
			if !validValType(t, r.f) {
				return c.errAt(toff, "malformed value type")
			}
			types = append(types, ValType(t))
		}
		r.types = types
		ins.Types = types
	case ImmRefType:
		toff := c.offset()
		var t byte
		if t, err = c.byte(); err != nil {
			return err
		}
		if t != byte(FuncRef) && t != byte(ExternRef) {
			return c.errAt(toff, "malformed reference type")
		}
		ins.RefType = ValType(t)
	case ImmV128, ImmShuffle:
		var v []byte
		if v, err = c.bytes(16); err != nil {
			return err
		}
		copy(ins.V128[:], v)
	case ImmLane:
		ins.Lane, err = c.byte()
	default:
		panic("unhandled immediate kind")
	}
	return err
}
