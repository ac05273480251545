package wasm

import (
	"fmt"
	"io"
)

// Section identifiers.
const (
	secCustom    = 0
	secType      = 1
	secImport    = 2
	secFunction  = 3
	secTable     = 4
	secMemory    = 5
	secGlobal    = 6
	secExport    = 7
	secStart     = 8
	secElement   = 9
	secCode      = 10
	secData      = 11
	secDataCount = 12
)

var sectionNames = [...]string{"custom", "type", "import", "function", "table", "memory",
	"global", "export", "start", "element", "code", "data", "data count"}

// sectionRank orders the non-custom sections; the data count section sits
// between the element and code sections.
var sectionRank = [...]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10}

type decoder struct {
	m   *Module
	f   Features
	c   cursor
	r   Reader
	ins Instr
	// typesBuf backs the parameter and result slices of all function types.
	typesBuf []ValType
}

// Decode parses a complete binary module. It never panics; errors are *Error.
func Decode(b []byte, f Features) (*Module, error) {
	d := &decoder{m: &Module{Raw: b}, f: f}
	if err := d.module(b); err != nil {
		return nil, err
	}
	d.m.IndexImports()
	return d.m, nil
}

func (d *decoder) module(b []byte) error {
	c := cursor{buf: b}
	if len(b) < 4 {
		return c.errAt(len(b), msgUnexpectedEnd)
	}
	if b[0] != 0 || b[1] != 'a' || b[2] != 's' || b[3] != 'm' {
		return c.errAt(0, "magic header not detected")
	}
	if len(b) < 8 {
		return c.errAt(len(b), msgUnexpectedEnd)
	}
	if b[4] != 1 || b[5] != 0 || b[6] != 0 || b[7] != 0 {
		return c.errAt(4, "unknown binary version")
	}
	c.pos = 8
	lastRank := 0
	var seenData bool
	for !c.eof() {
		secOff := c.offset()
		id, _ := c.byte()
		if id > secDataCount || (id == secDataCount && d.f&FeatureBulkMemory == 0) {
			return c.errAt(secOff, "malformed section id")
		}
		name := sectionNames[id]
		size, err := c.u32()
		if err != nil {
			return withSection(err, name)
		}
		if uint64(size) > uint64(len(b)-c.pos) {
			return &Error{Section: name, FuncIndex: -1, Offset: c.offset(), Msg: "length out of bounds: " + msgUnexpectedEnd}
		}
		if id != secCustom {
			if sectionRank[id] <= lastRank {
				return &Error{Section: name, FuncIndex: -1, Offset: secOff, Msg: "unexpected content after last section"}
			}
			lastRank = sectionRank[id]
			d.m.SectionOffsets[id] = secOff
		}
		d.c = cursor{buf: b[c.pos : c.pos+int(size)], base: c.pos, endMsg: msgSectionEnd}
		c.pos += int(size)
		switch id {
		case secCustom:
			err = d.customSection(secOff)
		case secType:
			err = d.typeSection()
		case secImport:
			err = d.importSection()
		case secFunction:
			err = d.functionSection()
		case secTable:
			err = d.tableSection()
		case secMemory:
			err = d.memorySection()
		case secGlobal:
			err = d.globalSection()
		case secExport:
			err = d.exportSection()
		case secStart:
			d.m.Start, err = d.c.u32()
			d.m.HasStart = true
		case secElement:
			err = d.elementSection()
		case secDataCount:
			d.m.DataCount, err = d.c.u32()
			d.m.HasDataCount = true
		case secCode:
			err = d.codeSection()
		case secData:
			seenData = true
			err = d.dataSection()
		}
		if err == nil && !d.c.eof() {
			err = d.c.errAt(d.c.offset(), "section size mismatch")
		}
		if err != nil {
			return withSection(err, name)
		}
	}
	if len(d.m.Functions) != len(d.m.Code) {
		off := d.m.SectionOffsets[secCode]
		if off == 0 {
			off = d.m.SectionOffsets[secFunction]
		}
		return &Error{Section: "code", FuncIndex: -1, Offset: off, Msg: "function and code section have inconsistent lengths"}
	}
	if !seenData && d.m.HasDataCount && d.m.DataCount != 0 {
		return &Error{Section: "data", FuncIndex: -1, Offset: len(b), Msg: "data count and data section have inconsistent lengths"}
	}
	return nil
}

func withSection(err error, name string) error {
	if e, ok := err.(*Error); ok && e.Section == "" {
		e.Section = name
	}
	return err
}

func (d *decoder) valType() (ValType, error) {
	off := d.c.offset()
	b, err := d.c.byte()
	if err != nil {
		return 0, err
	}
	if !validValType(b, d.f) {
		return 0, d.c.errAt(off, "malformed value type")
	}
	return ValType(b), nil
}

func (d *decoder) refType() (ValType, error) {
	off := d.c.offset()
	b, err := d.c.byte()
	if err != nil {
		return 0, err
	}
	if ValType(b) != FuncRef && (ValType(b) != ExternRef || d.f&FeatureReferenceTypes == 0) {
		return 0, d.c.errAt(off, "malformed reference type")
	}
	return ValType(b), nil
}

func (d *decoder) typeSection() error {
	n, err := d.c.count(1)
	if err != nil {
		return err
	}
	d.m.Types = make([]FuncType, n)
	// Every value type takes one byte, so the section length bounds them all.
	d.typesBuf = make([]ValType, 0, len(d.c.buf))
	for i := range d.m.Types {
		off := d.c.offset()
		form, err := d.c.byte()
		if err != nil {
			return err
		}
		if form != 0x60 {
			return d.c.errAt(off, "integer representation too long")
		}
		params, err := d.valTypes()
		if err != nil {
			return err
		}
		results, err := d.valTypes()
		if err != nil {
			return err
		}
		d.m.Types[i] = FuncType{Params: params, Results: results}
	}
	return nil
}

func (d *decoder) valTypes() ([]ValType, error) {
	n, err := d.c.count(1)
	if err != nil {
		return nil, err
	}
	start := len(d.typesBuf)
	for i := 0; i < n; i++ {
		t, err := d.valType()
		if err != nil {
			return nil, err
		}
		d.typesBuf = append(d.typesBuf, t)
	}
	return d.typesBuf[start:len(d.typesBuf):len(d.typesBuf)], nil
}

func (d *decoder) limits() (Limits, error) {
	off := d.c.offset()
	flag, err := d.c.byte()
	if err != nil {
		return Limits{}, err
	}
	var l Limits
	switch {
	case flag == 0:
	case flag == 1:
		l.HasMax = true
	case flag&0x80 != 0:
		return l, d.c.errAt(off, msgTooLong+": limits flags")
	default:
		return l, d.c.errAt(off, msgTooLarge+": limits flags")
	}
	if l.Min, err = d.c.u32(); err != nil {
		return l, err
	}
	if l.HasMax {
		if l.Max, err = d.c.u32(); err != nil {
			return l, err
		}
	}
	return l, nil
}

func (d *decoder) tableType() (TableType, error) {
	t, err := d.refType()
	if err != nil {
		return TableType{}, err
	}
	l, err := d.limits()
	return TableType{Elem: t, Limits: l}, err
}

func (d *decoder) globalType() (GlobalType, error) {
	t, err := d.valType()
	if err != nil {
		return GlobalType{}, err
	}
	off := d.c.offset()
	mut, err := d.c.byte()
	if err != nil {
		return GlobalType{}, err
	}
	if mut > 1 {
		return GlobalType{}, d.c.errAt(off, "malformed mutability")
	}
	return GlobalType{Type: t, Mutable: mut == 1}, nil
}

func (d *decoder) importSection() error {
	n, err := d.c.count(1)
	if err != nil {
		return err
	}
	d.m.Imports = make([]Import, 0, d.c.prealloc(n, 4))
	for i := 0; i < n; i++ {
		d.m.Imports = append(d.m.Imports, Import{})
		im := &d.m.Imports[i]
		im.Offset = d.c.offset()
		if im.Module, err = d.c.name(); err != nil {
			return err
		}
		if im.Name, err = d.c.name(); err != nil {
			return err
		}
		off := d.c.offset()
		kind, err := d.c.byte()
		if err != nil {
			return err
		}
		im.Kind = ExternKind(kind)
		switch im.Kind {
		case ExternFunc:
			im.TypeIndex, err = d.c.u32()
		case ExternTable:
			im.Table, err = d.tableType()
		case ExternMemory:
			im.Memory.Limits, err = d.limits()
		case ExternGlobal:
			im.Global, err = d.globalType()
		default:
			return d.c.errAt(off, "malformed import kind")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) functionSection() error {
	n, err := d.c.count(1)
	if err != nil {
		return err
	}
	d.m.Functions = make([]uint32, n)
	for i := range d.m.Functions {
		if d.m.Functions[i], err = d.c.u32(); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) tableSection() error {
	n, err := d.c.count(1)
	if err != nil {
		return err
	}
	d.m.Tables = make([]TableType, n)
	for i := range d.m.Tables {
		if d.m.Tables[i], err = d.tableType(); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) memorySection() error {
	n, err := d.c.count(1)
	if err != nil {
		return err
	}
	d.m.Memories = make([]MemoryType, n)
	for i := range d.m.Memories {
		if d.m.Memories[i].Limits, err = d.limits(); err != nil {
			return err
		}
	}
	return nil
}

// constExpr reads a constant expression up to and including its end opcode.
// Which operators are allowed is the validator's business.
func (d *decoder) constExpr() (ConstExpr, error) {
	start := d.c.pos
	// Fast path for the usual single constant or global.get.
	if rest := d.c.buf[start:]; len(rest) >= 3 && (rest[0] == 0x41 || rest[0] == 0x23) {
		for i := 1; i < len(rest) && i <= 5; i++ {
			if rest[i] < 0x80 {
				if i+1 < len(rest) && rest[i+1] == 0x0B && (i < 5 || rest[0] == 0x23 && rest[i] < 0x10 ||
					rest[0] == 0x41 && (rest[i]&0x78 == 0 || rest[i]&0x78 == 0x78)) {
					d.c.pos += i + 2
					return ConstExpr{Bytes: rest[: i+2 : i+2], Offset: d.c.base + start}, nil
				}
				break
			}
		}
	}
	d.r.Reset(d.c.buf[start:], d.c.base+start, d.f)
	for {
		err := d.r.Next(&d.ins)
		if err == io.EOF {
			return ConstExpr{}, d.c.errEnd(d.c.base + len(d.c.buf))
		}
		if err != nil {
			return ConstExpr{}, err
		}
		if d.ins.Op == OpEnd {
			break
		}
	}
	n := d.r.c.pos
	d.c.pos += n
	return ConstExpr{Bytes: d.c.buf[start : start+n : start+n], Offset: d.c.base + start}, nil
}

func (d *decoder) globalSection() error {
	n, err := d.c.count(1)
	if err != nil {
		return err
	}
	d.m.Globals = make([]Global, 0, d.c.prealloc(n, 3))
	for i := 0; i < n; i++ {
		d.m.Globals = append(d.m.Globals, Global{})
		g := &d.m.Globals[i]
		if g.Type, err = d.globalType(); err != nil {
			return err
		}
		if g.Init, err = d.constExpr(); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) exportSection() error {
	n, err := d.c.count(1)
	if err != nil {
		return err
	}
	d.m.Exports = make([]Export, 0, d.c.prealloc(n, 3))
	for i := 0; i < n; i++ {
		d.m.Exports = append(d.m.Exports, Export{})
		e := &d.m.Exports[i]
		e.Offset = d.c.offset()
		if e.Name, err = d.c.name(); err != nil {
			return err
		}
		off := d.c.offset()
		kind, err := d.c.byte()
		if err != nil {
			return err
		}
		if kind > 3 {
			return d.c.errAt(off, "malformed export kind")
		}
		e.Kind = ExternKind(kind)
		if e.Index, err = d.c.u32(); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) codeSection() error {
	n, err := d.c.count(1)
	if err != nil {
		return err
	}
	d.m.Code = make([]Code, 0, d.c.prealloc(n, 2))
	for i := 0; i < n; i++ {
		d.m.Code = append(d.m.Code, Code{})
		code := &d.m.Code[i]
		code.Offset = d.c.offset()
		size, err := d.c.u32()
		if err != nil {
			return err
		}
		bodyOff := d.c.pos
		if uint64(size) > uint64(len(d.c.buf)-d.c.pos) {
			return d.c.errEnd(d.c.offset())
		}
		body, _ := d.c.bytes(int(size))
		if err := d.locals(code, body, d.c.base+bodyOff); err != nil {
			e := err.(*Error)
			e.FuncIndex = d.m.numImportedFuncsDuringDecode() + i
			return e
		}
	}
	return nil
}

// numImportedFuncsDuringDecode counts function imports before IndexImports has run.
func (m *Module) numImportedFuncsDuringDecode() int {
	n := 0
	for i := range m.Imports {
		if m.Imports[i].Kind == ExternFunc {
			n++
		}
	}
	return n
}

func (d *decoder) locals(code *Code, body []byte, base int) error {
	c := cursor{buf: body, base: base}
	n, err := c.count(1)
	if err != nil {
		return err
	}
	if n > 0 {
		code.Locals = make([]LocalGroup, n)
	}
	var total uint64
	for i := range code.Locals {
		off := c.offset()
		cnt, err := c.u32()
		if err != nil {
			return err
		}
		total += uint64(cnt)
		if total > 0xFFFFFFFF {
			return c.errAt(off, "too many locals")
		}
		toff := c.offset()
		t, err := c.byte()
		if err != nil {
			return err
		}
		if !validValType(t, d.f) {
			return c.errAt(toff, "malformed value type")
		}
		code.Locals[i] = LocalGroup{Count: cnt, Type: ValType(t)}
	}
	code.NumLocals = total
	code.Start = base + c.pos
	code.End = base + len(body)
	code.Body = body[c.pos:]
	return nil
}

func (d *decoder) dataSection() error {
	off := d.c.offset()
	n, err := d.c.count(1)
	if err != nil {
		return err
	}
	if d.m.HasDataCount && uint32(n) != d.m.DataCount {
		return d.c.errAt(off, "data count and data section have inconsistent lengths")
	}
	d.m.Data = make([]DataSegment, 0, d.c.prealloc(n, 2))
	for i := 0; i < n; i++ {
		d.m.Data = append(d.m.Data, DataSegment{})
		seg := &d.m.Data[i]
		seg.Offset = d.c.offset()
		flag, err := d.c.u32()
		if err != nil {
			return err
		}
		if d.f&FeatureBulkMemory == 0 {
			// WebAssembly 1.0: the flag is the memory index.
			seg.Memory = flag
			flag = 0
			if seg.OffsetExpr, err = d.constExpr(); err != nil {
				return err
			}
		} else {
			switch flag {
			case 0:
				seg.OffsetExpr, err = d.constExpr()
			case 1:
				seg.Mode = SegmentPassive
			case 2:
				if seg.Memory, err = d.c.u32(); err == nil {
					seg.OffsetExpr, err = d.constExpr()
				}
			default:
				return d.c.errAt(seg.Offset, fmt.Sprintf("malformed data segment kind %d", flag))
			}
			if err != nil {
				return err
			}
		}
		size, err := d.c.u32()
		if err != nil {
			return err
		}
		seg.InitOffset = d.c.offset()
		if uint64(size) > uint64(len(d.c.buf)-d.c.pos) {
			return d.c.errAt(seg.InitOffset, msgUnexpectedEnd)
		}
		seg.Init, _ = d.c.bytes(int(size))
	}
	return nil
}
