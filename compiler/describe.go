package compiler

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// describe converts the decoded module into the artifact's module
// description; data segment bytes go into the returned rodata.
func describe(m *wasm.Module) (*artifact.Module, []byte, error) {
	d := &artifact.Module{Start: m.Start, HasStart: m.HasStart, Name: m.Names.Module}
	for _, t := range m.Types {
		d.Types = append(d.Types, artifact.FuncType{Params: valTypes(t.Params), Results: valTypes(t.Results)})
	}
	for _, im := range m.Imports {
		ai := artifact.Import{Module: im.Module, Name: im.Name, Kind: artifact.ExternKind(im.Kind)}
		switch im.Kind {
		case wasm.ExternFunc:
			ai.TypeIndex = im.TypeIndex
		case wasm.ExternTable:
			ai.Table = tableType(im.Table)
		case wasm.ExternMemory:
			ai.Memory = memoryType(im.Memory)
		case wasm.ExternGlobal:
			ai.Global = artifact.GlobalType{Type: artifact.ValType(im.Global.Type), Mutable: im.Global.Mutable}
		}
		d.Imports = append(d.Imports, ai)
	}
	for _, t := range m.Functions {
		d.Funcs = append(d.Funcs, artifact.Func{TypeIndex: t})
	}
	for _, t := range m.Tables {
		d.Tables = append(d.Tables, tableType(t))
	}
	for _, mt := range m.Memories {
		d.Memories = append(d.Memories, memoryType(mt))
	}
	for i, g := range m.Globals {
		init, err := constExpr(g.Init)
		if err != nil {
			return nil, nil, fmt.Errorf("global %d: %v", m.NumImportedGlobals()+i, err)
		}
		d.Globals = append(d.Globals, artifact.Global{
			Type: artifact.GlobalType{Type: artifact.ValType(g.Type.Type), Mutable: g.Type.Mutable},
			Init: init,
		})
	}
	for _, e := range m.Exports {
		d.Exports = append(d.Exports, artifact.Export{Name: e.Name, Kind: artifact.ExternKind(e.Kind), Index: e.Index})
	}
	for i, e := range m.Elements {
		seg := artifact.ElemSegment{Mode: segmentMode(e.Mode), Table: e.Table, Type: artifact.ValType(e.ElemType), UseExprs: e.UsesExprs}
		var err error
		if e.Mode == wasm.SegmentActive {
			if seg.Offset, err = constExpr(e.OffsetExpr); err != nil {
				return nil, nil, fmt.Errorf("element segment %d: %v", i, err)
			}
		}
		if e.UsesExprs {
			for _, x := range e.Exprs {
				c, err := constExpr(x)
				if err != nil {
					return nil, nil, fmt.Errorf("element segment %d: %v", i, err)
				}
				seg.Exprs = append(seg.Exprs, c)
			}
		} else if len(e.FuncIndices) > 0 {
			seg.Funcs = slices.Clone(e.FuncIndices)
		}
		d.Elems = append(d.Elems, seg)
	}
	var rodata []byte
	if len(m.Data) > 0 {
		size := 0
		for _, s := range m.Data {
			size = (size+7)&^7 + len(s.Init)
		}
		rodata = make([]byte, 0, size)
		d.Datas = make([]artifact.DataSegment, 0, len(m.Data))
	}
	for i, s := range m.Data {
		seg := artifact.DataSegment{Mode: segmentMode(s.Mode), Memory: s.Memory, Size: uint32(len(s.Init))}
		if s.Mode == wasm.SegmentActive {
			var err error
			if seg.Offset, err = constExpr(s.OffsetExpr); err != nil {
				return nil, nil, fmt.Errorf("data segment %d: %v", i, err)
			}
		}
		for len(rodata)%8 != 0 {
			rodata = append(rodata, 0)
		}
		seg.RodataOffset = uint32(len(rodata))
		rodata = append(rodata, s.Init...)
		d.Datas = append(d.Datas, seg)
	}
	for idx, name := range m.Names.Funcs {
		d.FuncNames = append(d.FuncNames, artifact.FuncName{Index: idx, Name: name})
	}
	slices.SortFunc(d.FuncNames, func(a, b artifact.FuncName) int { return int(int64(a.Index) - int64(b.Index)) })
	return d, rodata, nil
}

func valTypes(ts []wasm.ValType) []artifact.ValType {
	if len(ts) == 0 {
		return nil
	}
	out := make([]artifact.ValType, len(ts))
	for i, t := range ts {
		out[i] = artifact.ValType(t)
	}
	return out
}

func limits(l wasm.Limits) artifact.Limits {
	return artifact.Limits{Min: uint64(l.Min), Max: uint64(l.Max), HasMax: l.HasMax}
}

func tableType(t wasm.TableType) artifact.TableType {
	return artifact.TableType{Elem: artifact.ValType(t.Elem), Limits: limits(t.Limits)}
}

func memoryType(t wasm.MemoryType) artifact.MemoryType {
	return artifact.MemoryType{Limits: limits(t.Limits)}
}

func segmentMode(m wasm.SegmentMode) artifact.SegmentMode {
	switch m {
	case wasm.SegmentPassive:
		return artifact.Passive
	case wasm.SegmentDeclarative:
		return artifact.Declarative
	}
	return artifact.Active
}

// constExpr translates a validated constant expression.
func constExpr(e wasm.ConstExpr) (artifact.ConstExpr, error) {
	b := e.Bytes
	var out artifact.ConstExpr
	uleb := func() (uint64, error) {
		var v uint64
		for shift := uint(0); ; shift += 7 {
			if len(b) == 0 || shift > 63 {
				return 0, fmt.Errorf("malformed constant expression at %#x", e.Offset)
			}
			c := b[0]
			b = b[1:]
			v |= uint64(c&0x7f) << shift
			if c&0x80 == 0 {
				return v, nil
			}
		}
	}
	sleb := func() (int64, error) {
		var v int64
		var shift uint
		for {
			if len(b) == 0 || shift > 63 {
				return 0, fmt.Errorf("malformed constant expression at %#x", e.Offset)
			}
			c := b[0]
			b = b[1:]
			v |= int64(c&0x7f) << shift
			shift += 7
			if c&0x80 == 0 {
				if shift < 64 && c&0x40 != 0 {
					v |= -1 << shift
				}
				return v, nil
			}
		}
	}
	fixed := func(n int) ([]byte, error) {
		if len(b) < n {
			return nil, fmt.Errorf("malformed constant expression at %#x", e.Offset)
		}
		x := b[:n]
		b = b[n:]
		return x, nil
	}
	for len(b) > 0 {
		op := b[0]
		b = b[1:]
		var c artifact.ConstOp
		var err error
		switch op {
		case 0x0b:
			if len(b) != 0 {
				return nil, fmt.Errorf("malformed constant expression at %#x", e.Offset)
			}
			return out, nil
		case 0x41:
			var v int64
			v, err = sleb()
			c = artifact.ConstOp{Op: artifact.OpI32Const, Imm: uint64(uint32(v))}
		case 0x42:
			var v int64
			v, err = sleb()
			c = artifact.ConstOp{Op: artifact.OpI64Const, Imm: uint64(v)}
		case 0x43:
			var x []byte
			x, err = fixed(4)
			if err == nil {
				c = artifact.ConstOp{Op: artifact.OpF32Const, Imm: uint64(binary.LittleEndian.Uint32(x))}
			}
		case 0x44:
			var x []byte
			x, err = fixed(8)
			if err == nil {
				c = artifact.ConstOp{Op: artifact.OpF64Const, Imm: binary.LittleEndian.Uint64(x)}
			}
		case 0xfd:
			var sub uint64
			sub, err = uleb()
			if err == nil && sub != 12 {
				err = fmt.Errorf("not supported: constant expression opcode 0xfd %d", sub)
			}
			var x []byte
			if err == nil {
				x, err = fixed(16)
			}
			if err == nil {
				c = artifact.ConstOp{Op: artifact.OpV128Const, Imm: binary.LittleEndian.Uint64(x), Hi: binary.LittleEndian.Uint64(x[8:])}
			}
		case 0x23:
			var v uint64
			v, err = uleb()
			c = artifact.ConstOp{Op: artifact.OpGlobalGet, Imm: v}
		case 0xd0:
			var x []byte
			x, err = fixed(1)
			if err == nil {
				c = artifact.ConstOp{Op: artifact.OpRefNull, Imm: uint64(x[0])}
			}
		case 0xd2:
			var v uint64
			v, err = uleb()
			c = artifact.ConstOp{Op: artifact.OpRefFunc, Imm: v}
		case 0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e:
			c = artifact.ConstOp{Op: map[byte]artifact.ConstOpcode{
				0x6a: artifact.OpI32Add, 0x6b: artifact.OpI32Sub, 0x6c: artifact.OpI32Mul,
				0x7c: artifact.OpI64Add, 0x7d: artifact.OpI64Sub, 0x7e: artifact.OpI64Mul,
			}[op]}
		default:
			return nil, fmt.Errorf("not supported: constant expression opcode %#x at %#x", op, e.Offset)
		}
		if err != nil {
			return nil, err
		}
		if len(out) > math.MaxInt16 {
			return nil, fmt.Errorf("constant expression at %#x is too long", e.Offset)
		}
		out = append(out, c)
	}
	return nil, fmt.Errorf("malformed constant expression at %#x: no end", e.Offset)
}
