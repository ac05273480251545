package artifact

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math"
	"strconv"
)

// decoder reads the metadata payload. Errors are sticky: after the first one
// every read returns zero, so decoding code needs no error plumbing.
type decoder struct {
	b     []byte
	off   int
	base  int // offset of b within the payload, for messages
	start int // offset of the field being read, for messages
	chunk int
	err   error
	ops   *opSlab
}

// opSlab is room for constant expressions, carved in order: modules have
// many one-operation expressions (element items), and one allocation can
// serve a run of them.
type opSlab struct {
	free []ConstOp
	next int // size of the next allocation
}

func (s *opSlab) take(n int) ConstExpr {
	if len(s.free) < n {
		s.next = min(max(2*s.next, 4), 1024)
		s.free = make([]ConstOp, max(n, s.next))
	}
	x := s.free[:n:n]
	s.free = s.free[n:]
	return x
}

func (d *decoder) fail(kind error, format string, args ...any) {
	if d.err == nil {
		e := errf(kind, format, args...)
		e.Msg += " (metadata " + chunkNames[d.chunk] + " at payload offset " + strconv.Itoa(d.base+d.start) + ")"
		d.err = e
	}
}

func (d *decoder) need(n int, what string) bool { return d.needx(n, what, "") }

func (d *decoder) needx(n int, what, suffix string) bool {
	d.start = d.off
	if d.err != nil {
		return false
	}
	if n > len(d.b)-d.off {
		d.fail(ErrTruncated, "truncated: %s%s needs %d bytes, %d left", what, suffix, n, len(d.b)-d.off)
		return false
	}
	return true
}

func (d *decoder) u8(what string) uint8 { return d.u8x(what, "") }

func (d *decoder) u8x(what, suffix string) uint8 {
	if !d.needx(1, what, suffix) {
		return 0
	}
	v := d.b[d.off]
	d.off++
	return v
}

func (d *decoder) u64(what string) uint64 { return d.u64x(what, "") }

func (d *decoder) u64x(what, suffix string) uint64 {
	if !d.needx(8, what, suffix) {
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b[d.off:])
	d.off += 8
	return v
}

func (d *decoder) uv(what string) uint64 { return d.uvx(what, "") }

// uvx reads a uvarint; suffix completes what in messages, so that callers
// build no strings unless something is wrong.
func (d *decoder) uvx(what, suffix string) uint64 {
	d.start = d.off
	if d.err != nil {
		return 0
	}
	if d.off < len(d.b) && d.b[d.off] < 0x80 { // most values fit one byte
		d.off++
		return uint64(d.b[d.off-1])
	}
	v, n := binary.Uvarint(d.b[d.off:])
	switch {
	case n == 0:
		d.fail(ErrTruncated, "truncated: %s%s", what, suffix)
		return 0
	case n < 0:
		d.fail(ErrMalformed, "%s%s: varint overflows 64 bits", what, suffix)
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) u32(what string) uint32 { return d.u32x(what, "") }

func (d *decoder) u32x(what, suffix string) uint32 {
	v := d.uvx(what, suffix)
	if v > math.MaxUint32 {
		d.fail(ErrMalformed, "%s%s: %d does not fit in 32 bits", what, suffix, v)
		return 0
	}
	return uint32(v)
}

func (d *decoder) flag(what string) bool {
	v := d.u8(what)
	if v > 1 {
		d.fail(ErrMalformed, "%s: flag %d is not 0 or 1", what, v)
	}
	return v == 1
}

// count reads an element count and bounds it by the bytes left, given the
// smallest encoding of one element, so lying counts cannot force allocation.
func (d *decoder) count(minSize int, what string) int { return d.countx(minSize, what, "") }

func (d *decoder) countx(minSize int, what, suffix string) int {
	d.start = d.off
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		if n == 0 {
			d.fail(ErrTruncated, "truncated: %s%s count", what, suffix)
		} else {
			d.fail(ErrMalformed, "%s%s count: varint overflows 64 bits", what, suffix)
		}
		return 0
	}
	d.off += n
	if left := uint64(len(d.b) - d.off); v > left/uint64(minSize) {
		d.fail(ErrTruncated, "truncated: %d %s%s need at least %d bytes, %d left", v, what, suffix, v*uint64(minSize), left)
		return 0
	}
	return int(v)
}

func (d *decoder) str(what string) string {
	n := d.uvx(what, " length")
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)-d.off) {
		d.fail(ErrTruncated, "truncated: %s of %d bytes, %d left", what, n, len(d.b)-d.off)
		return ""
	}
	s := string(d.b[d.off : d.off+int(n)])
	d.off += int(n)
	return s
}

func (d *decoder) valTypes(what string) []ValType {
	n := d.count(1, what)
	if n == 0 {
		return nil
	}
	ts := make([]ValType, n)
	for i := range ts {
		ts[i] = ValType(d.u8(what))
	}
	return ts
}

func (d *decoder) limits(what string) (l Limits, shared bool) {
	f := d.u8x(what, " flags")
	if f > 3 {
		d.fail(ErrMalformed, "%s: unknown limits flags %#x", what, f)
	}
	l.HasMax = f&1 != 0
	shared = f&2 != 0
	l.Min = d.uvx(what, " minimum")
	if l.HasMax {
		l.Max = d.uvx(what, " maximum")
	}
	return l, shared
}

func (d *decoder) tableLimits(what string) Limits {
	l, shared := d.limits(what)
	if shared {
		d.fail(ErrMalformed, "%s: shared flag on a table", what)
	}
	return l
}

func (d *decoder) expr(what string) ConstExpr {
	n := d.countx(1, what, " operations")
	if n == 0 {
		return nil
	}
	var x ConstExpr
	if d.ops != nil {
		x = d.ops.take(n)
	} else {
		x = make(ConstExpr, n)
	}
	for i := range x {
		op := ConstOpcode(d.u8x(what, " opcode"))
		x[i].Op = op
		switch op {
		case OpV128Const:
			x[i].Imm = d.u64x(what, " v128 immediate")
			x[i].Hi = d.u64x(what, " v128 immediate")
		case OpI32Const, OpI64Const, OpF32Const, OpF64Const, OpGlobalGet, OpRefNull, OpRefFunc:
			x[i].Imm = d.uvx(what, " immediate")
		case OpI32Add, OpI32Sub, OpI32Mul, OpI64Add, OpI64Sub, OpI64Mul:
		default:
			d.fail(ErrMalformed, "%s: unknown opcode %d", what, op)
		}
	}
	return x
}

// decodeMetadata parses the .wasiaot section into a, except for the entries
// of the site tables, which it returns for validate to decode. It checks the
// encoding only; validate checks what the values mean.
func decodeMetadata(sec []byte, a *Artifact) (*metaSites, error) {
	if len(sec) < metaHeaderSize {
		return nil, errf(ErrTruncated, "truncated: .wasiaot section is %d bytes, its header needs %d", len(sec), metaHeaderSize)
	}
	if !bytes.Equal(sec[:8], []byte(metaMagic)) {
		return nil, errf(ErrBadMagic, "bad magic %q in .wasiaot section", sec[:8])
	}
	if v := binary.LittleEndian.Uint32(sec[8:]); v != FormatVersion {
		return nil, errf(ErrVersion, "format version %d, this runtime reads %d", v, FormatVersion)
	}
	sum := binary.LittleEndian.Uint32(sec[12:])
	n := binary.LittleEndian.Uint64(sec[16:])
	payload := sec[metaHeaderSize:]
	if n > uint64(len(payload)) {
		return nil, errf(ErrTruncated, "truncated: metadata payload of %d bytes, section holds %d", n, len(payload))
	}
	if n < uint64(len(payload)) {
		return nil, errf(ErrMalformed, "%d bytes after the metadata payload", uint64(len(payload))-n)
	}
	if got := crc32.Checksum(payload, castagnoli); got != sum {
		return nil, errf(ErrChecksum, "metadata checksum mismatch: stored %08x, computed %08x", sum, got)
	}
	sites := &metaSites{}
	ops := &opSlab{}
	top := decoder{b: payload, chunk: chHeader}
	for id := chHeader; id < chLimit; id++ {
		top.chunk = id
		got := top.uv("chunk id")
		if top.err == nil && got != uint64(id) {
			top.fail(ErrMalformed, "chunk id %d where %d expected", got, id)
		}
		size := top.uv("chunk length")
		if top.err == nil && size > uint64(len(payload)-top.off) {
			top.fail(ErrTruncated, "truncated: chunk of %d bytes, %d left", size, len(payload)-top.off)
		}
		if top.err != nil {
			return nil, top.err
		}
		d := decoder{b: payload[top.off : top.off+int(size)], base: top.off, chunk: id, ops: ops}
		decodeChunk(&d, id, a, sites)
		if d.err == nil && d.off != len(d.b) {
			d.start = d.off
			d.fail(ErrMalformed, "%d unread bytes at the end of the chunk", len(d.b)-d.off)
		}
		if d.err != nil {
			return nil, d.err
		}
		top.off += int(size)
	}
	if top.off != len(payload) {
		return nil, errf(ErrMalformed, "%d bytes after the last metadata chunk", len(payload)-top.off)
	}
	return sites, nil
}

// metaSites are the trap and call site tables awaiting validate.
type metaSites struct{ traps, calls *siteChunk }

func decodeChunk(d *decoder, id int, a *Artifact, sites *metaSites) {
	m := &a.Module
	switch id {
	case chHeader:
		h := &a.Header
		h.CompilerVersion = d.str("compiler version")
		h.Arch = Arch(d.u8("arch"))
		h.Features = Features(d.u64("CPU features"))
		h.ABIVersion = d.u32("ABI version")
		if d.need(32, "source hash") {
			copy(h.SourceSHA256[:], d.b[d.off:])
			d.off += 32
		}
		h.OptLevel = d.u8("opt level")
		if n := d.count(1, "build options"); n > 0 {
			h.Options = make([]string, n)
			for i := range h.Options {
				h.Options[i] = d.str("build option")
			}
		}
	case chTypes:
		if n := d.count(2, "types"); n > 0 {
			m.Types = make([]FuncType, n)
			for i := range m.Types {
				m.Types[i].Params = d.valTypes("parameter types")
				m.Types[i].Results = d.valTypes("result types")
			}
		}
	case chImports:
		if n := d.count(4, "imports"); n > 0 {
			m.Imports = make([]Import, n)
			for i := range m.Imports {
				im := &m.Imports[i]
				im.Module = d.str("import module")
				im.Name = d.str("import name")
				im.Kind = ExternKind(d.u8("import kind"))
				switch im.Kind {
				case KindFunc:
					im.TypeIndex = d.u32("import type index")
				case KindTable:
					im.Table.Elem = ValType(d.u8("import table element type"))
					im.Table.Limits = d.tableLimits("import table")
				case KindMemory:
					im.Memory.Limits, im.Memory.Shared = d.limits("import memory")
				case KindGlobal:
					im.Global.Type = ValType(d.u8("import global type"))
					im.Global.Mutable = d.flag("import global mutability")
				default:
					d.fail(ErrMalformed, "import %d: unknown kind %d", i, im.Kind)
				}
			}
		}
	case chFuncs:
		if n := d.count(3, "functions"); n > 0 {
			m.Funcs = make([]Func, n)
			for i := range m.Funcs {
				m.Funcs[i] = Func{
					TypeIndex: d.u32("function type index"),
					Offset:    d.u32("function code offset"),
					Size:      d.u32("function code size"),
				}
			}
		}
	case chTables:
		if n := d.count(3, "tables"); n > 0 {
			m.Tables = make([]TableType, n)
			for i := range m.Tables {
				m.Tables[i].Elem = ValType(d.u8("table element type"))
				m.Tables[i].Limits = d.tableLimits("table")
			}
		}
	case chMemories:
		if n := d.count(2, "memories"); n > 0 {
			m.Memories = make([]MemoryType, n)
			for i := range m.Memories {
				m.Memories[i].Limits, m.Memories[i].Shared = d.limits("memory")
			}
		}
	case chGlobals:
		if n := d.count(4, "globals"); n > 0 {
			m.Globals = make([]Global, n)
			for i := range m.Globals {
				m.Globals[i].Type.Type = ValType(d.u8("global type"))
				m.Globals[i].Type.Mutable = d.flag("global mutability")
				m.Globals[i].Init = d.expr("global initializer")
			}
		}
	case chExports:
		if n := d.count(3, "exports"); n > 0 {
			m.Exports = make([]Export, n)
			for i := range m.Exports {
				m.Exports[i].Name = d.str("export name")
				m.Exports[i].Kind = ExternKind(d.u8("export kind"))
				m.Exports[i].Index = d.u32("export index")
			}
		}
	case chStart:
		m.HasStart = d.flag("start flag")
		if m.HasStart {
			m.Start = d.u32("start function index")
		}
	case chElems:
		if n := d.count(4, "element segments"); n > 0 {
			m.Elems = make([]ElemSegment, n)
			for i := range m.Elems {
				s := &m.Elems[i]
				s.Mode = SegmentMode(d.u8("element segment mode"))
				if s.Mode == Active {
					s.Table = d.u32("element segment table index")
					s.Offset = d.expr("element segment offset")
				}
				s.Type = ValType(d.u8("element segment type"))
				s.UseExprs = d.flag("element segment item form")
				if s.UseExprs {
					if k := d.count(2, "element expressions"); k > 0 {
						s.Exprs = make([]ConstExpr, k)
						for j := range s.Exprs {
							s.Exprs[j] = d.expr("element expression")
						}
					}
				} else if k := d.count(1, "element function indices"); k > 0 {
					s.Funcs = make([]uint32, k)
					for j := range s.Funcs {
						s.Funcs[j] = d.u32("element function index")
					}
				}
			}
		}
	case chDatas:
		if n := d.count(3, "data segments"); n > 0 {
			m.Datas = make([]DataSegment, n)
			for i := range m.Datas {
				s := &m.Datas[i]
				s.Mode = SegmentMode(d.u8("data segment mode"))
				if s.Mode == Active {
					s.Memory = d.u32("data segment memory index")
					s.Offset = d.expr("data segment offset")
				}
				s.RodataOffset = d.u32("data segment rodata offset")
				s.Size = d.u32("data segment size")
			}
		}
	case chNames:
		m.Name = d.str("module name")
		if n := d.count(2, "function names"); n > 0 {
			m.FuncNames = make([]FuncName, n)
			for i := range m.FuncNames {
				m.FuncNames[i].Index = d.u32("function name index")
				m.FuncNames[i].Name = d.str("function name")
			}
		}
	case chEntryStubs:
		if n := d.count(1, "entry stubs"); n > 0 {
			a.Code.EntryStubs = make([]uint32, n)
			for i := range a.Code.EntryStubs {
				a.Code.EntryStubs[i] = d.u32("entry stub offset") - 1
			}
		}
	case chStubs:
		if n := d.count(3, "stubs"); n > 0 {
			a.Code.Stubs = make([]Stub, n)
			for i := range a.Code.Stubs {
				a.Code.Stubs[i] = Stub{Name: d.str("stub name"), Offset: d.u32("stub offset"), Size: d.u32("stub size")}
			}
		}
	case chTraps:
		sites.traps = d.siteTable(true, "trap sites")
	case chCalls:
		sites.calls = d.siteTable(false, "call sites")
	}
}
