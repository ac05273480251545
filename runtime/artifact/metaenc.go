package artifact

import (
	"encoding/binary"
	"hash/crc32"
)

// The .wasiaot section: a fixed header, then a payload of chunks.
const (
	metaMagic      = "WASIAOT\x00"
	metaHeaderSize = 24 // magic, u32 version, u32 CRC-32C of payload, u64 payload length
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Chunk ids, in the order they appear. Every chunk is present exactly once.
const (
	chHeader = iota + 1
	chTypes
	chImports
	chFuncs
	chTables
	chMemories
	chGlobals
	chExports
	chStart
	chElems
	chDatas
	chNames
	chEntryStubs
	chStubs
	chTraps
	chCalls
	chLimit
)

var chunkNames = [...]string{
	chHeader: "header", chTypes: "types", chImports: "imports", chFuncs: "functions",
	chTables: "tables", chMemories: "memories", chGlobals: "globals", chExports: "exports",
	chStart: "start", chElems: "elements", chDatas: "data", chNames: "names",
	chEntryStubs: "entry stubs", chStubs: "stubs", chTraps: "trap table", chCalls: "call sites",
}

type encoder struct{ b []byte }

func (e *encoder) u8(v uint8)   { e.b = append(e.b, v) }
func (e *encoder) uv(v uint64)  { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) u64(v uint64) { e.b = binary.LittleEndian.AppendUint64(e.b, v) }
func (e *encoder) str(s string) { e.uv(uint64(len(s))); e.b = append(e.b, s...) }
func (e *encoder) flag(v bool) uint8 {
	if v {
		return 1
	}
	return 0
}

func (e *encoder) limits(l Limits, shared bool) {
	f := uint8(0)
	if l.HasMax {
		f |= 1
	}
	if shared {
		f |= 2
	}
	e.u8(f)
	e.uv(l.Min)
	if l.HasMax {
		e.uv(l.Max)
	}
}

func (e *encoder) valTypes(ts []ValType) {
	e.uv(uint64(len(ts)))
	for _, t := range ts {
		e.u8(uint8(t))
	}
}

func (e *encoder) expr(x ConstExpr) {
	e.uv(uint64(len(x)))
	for _, op := range x {
		e.u8(uint8(op.Op))
		switch op.Op {
		case OpV128Const:
			e.u64(op.Imm)
			e.u64(op.Hi)
		case OpI32Const, OpI64Const, OpF32Const, OpF64Const, OpGlobalGet, OpRefNull, OpRefFunc:
			e.uv(op.Imm)
		}
	}
}

func (e *encoder) sites(s []Site, withKind bool) {
	e.uv(uint64(len(s)))
	for _, t := range s {
		e.uv(uint64(t.Offset))
		if withKind {
			e.u8(uint8(t.Kind))
		}
		e.uv(uint64(t.Func))
		e.uv(uint64(t.WasmOffset))
	}
}

// chunk appends one chunk: id, body length, body written by body.
func (e *encoder) chunk(id int, body func(e *encoder)) {
	var c encoder
	body(&c)
	e.uv(uint64(id))
	e.uv(uint64(len(c.b)))
	e.b = append(e.b, c.b...)
}

// encodeMetadata returns the contents of the .wasiaot section.
func encodeMetadata(a *Artifact) []byte {
	m := &a.Module
	var p encoder
	p.chunk(chHeader, func(e *encoder) {
		h := &a.Header
		e.str(h.CompilerVersion)
		e.u8(uint8(h.Arch))
		e.u64(uint64(h.Features))
		e.uv(uint64(h.ABIVersion))
		e.b = append(e.b, h.SourceSHA256[:]...)
		e.u8(h.OptLevel)
		e.uv(uint64(len(h.Options)))
		for _, o := range h.Options {
			e.str(o)
		}
	})
	p.chunk(chTypes, func(e *encoder) {
		e.uv(uint64(len(m.Types)))
		for _, t := range m.Types {
			e.valTypes(t.Params)
			e.valTypes(t.Results)
		}
	})
	p.chunk(chImports, func(e *encoder) {
		e.uv(uint64(len(m.Imports)))
		for _, im := range m.Imports {
			e.str(im.Module)
			e.str(im.Name)
			e.u8(uint8(im.Kind))
			switch im.Kind {
			case KindFunc:
				e.uv(uint64(im.TypeIndex))
			case KindTable:
				e.u8(uint8(im.Table.Elem))
				e.limits(im.Table.Limits, false)
			case KindMemory:
				e.limits(im.Memory.Limits, im.Memory.Shared)
			case KindGlobal:
				e.u8(uint8(im.Global.Type))
				e.u8(e.flag(im.Global.Mutable))
			}
		}
	})
	p.chunk(chFuncs, func(e *encoder) {
		e.uv(uint64(len(m.Funcs)))
		for _, f := range m.Funcs {
			e.uv(uint64(f.TypeIndex))
			e.uv(uint64(f.Offset))
			e.uv(uint64(f.Size))
		}
	})
	p.chunk(chTables, func(e *encoder) {
		e.uv(uint64(len(m.Tables)))
		for _, t := range m.Tables {
			e.u8(uint8(t.Elem))
			e.limits(t.Limits, false)
		}
	})
	p.chunk(chMemories, func(e *encoder) {
		e.uv(uint64(len(m.Memories)))
		for _, mem := range m.Memories {
			e.limits(mem.Limits, mem.Shared)
		}
	})
	p.chunk(chGlobals, func(e *encoder) {
		e.uv(uint64(len(m.Globals)))
		for _, g := range m.Globals {
			e.u8(uint8(g.Type.Type))
			e.u8(e.flag(g.Type.Mutable))
			e.expr(g.Init)
		}
	})
	p.chunk(chExports, func(e *encoder) {
		e.uv(uint64(len(m.Exports)))
		for _, x := range m.Exports {
			e.str(x.Name)
			e.u8(uint8(x.Kind))
			e.uv(uint64(x.Index))
		}
	})
	p.chunk(chStart, func(e *encoder) {
		e.u8(e.flag(m.HasStart))
		if m.HasStart {
			e.uv(uint64(m.Start))
		}
	})
	p.chunk(chElems, func(e *encoder) {
		e.uv(uint64(len(m.Elems)))
		for _, s := range m.Elems {
			e.u8(uint8(s.Mode))
			if s.Mode == Active {
				e.uv(uint64(s.Table))
				e.expr(s.Offset)
			}
			e.u8(uint8(s.Type))
			e.u8(e.flag(s.UseExprs))
			if s.UseExprs {
				e.uv(uint64(len(s.Exprs)))
				for _, x := range s.Exprs {
					e.expr(x)
				}
			} else {
				e.uv(uint64(len(s.Funcs)))
				for _, f := range s.Funcs {
					e.uv(uint64(f))
				}
			}
		}
	})
	p.chunk(chDatas, func(e *encoder) {
		e.uv(uint64(len(m.Datas)))
		for _, d := range m.Datas {
			e.u8(uint8(d.Mode))
			if d.Mode == Active {
				e.uv(uint64(d.Memory))
				e.expr(d.Offset)
			}
			e.uv(uint64(d.RodataOffset))
			e.uv(uint64(d.Size))
		}
	})
	p.chunk(chNames, func(e *encoder) {
		e.str(m.Name)
		e.uv(uint64(len(m.FuncNames)))
		for _, n := range m.FuncNames {
			e.uv(uint64(n.Index))
			e.str(n.Name)
		}
	})
	p.chunk(chEntryStubs, func(e *encoder) {
		// Offsets plus one, so that NoStub encodes as a single zero byte.
		e.uv(uint64(len(a.Code.EntryStubs)))
		for _, o := range a.Code.EntryStubs {
			e.uv(uint64(o + 1))
		}
	})
	p.chunk(chStubs, func(e *encoder) {
		e.uv(uint64(len(a.Code.Stubs)))
		for _, s := range a.Code.Stubs {
			e.str(s.Name)
			e.uv(uint64(s.Offset))
			e.uv(uint64(s.Size))
		}
	})
	p.chunk(chTraps, func(e *encoder) { e.sites(a.Code.Traps, true) })
	p.chunk(chCalls, func(e *encoder) { e.sites(a.Code.Calls, false) })

	out := make([]byte, 0, metaHeaderSize+len(p.b))
	out = append(out, metaMagic...)
	out = binary.LittleEndian.AppendUint32(out, FormatVersion)
	out = binary.LittleEndian.AppendUint32(out, crc32.Checksum(p.b, castagnoli))
	out = binary.LittleEndian.AppendUint64(out, uint64(len(p.b)))
	return append(out, p.b...)
}
