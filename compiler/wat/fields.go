package wat

import (
	"github.com/wasiaot/wasiaot/compiler/wasm"
)

func (m *module) funcField(c *cursor) error {
	c.id()
	idx := m.nFuncs
	if err := m.inlineExports(c, wasm.ExternFunc, idx); err != nil {
		return err
	}
	imp, ok, err := inlineImport(c)
	if err != nil {
		return err
	}
	if ok {
		if err := m.importDesc(c, "func", imp); err != nil {
			return err
		}
		return c.expectEnd()
	}
	m.nFuncs++
	fc := &funcCtx{m: m, locals: newSpace("local")}
	tidx, _, err := m.typeUse(c, &fc.locals, sigFunc)
	if err != nil {
		return err
	}
	m.funcTypes = append(m.funcTypes, tidx)

	// Locals, grouped into runs of one type.
	var groups [][2]uint32 // count, type
	for c.peekHead() == "local" {
		ln := c.take()
		lc := newCursor(ln)
		lc.take()
		add := func(t wasm.ValType) {
			if n := len(groups); n > 0 && groups[n-1][1] == uint32(t) {
				groups[n-1][0]++
			} else {
				groups = append(groups, [2]uint32{1, uint32(t)})
			}
		}
		if id := lc.id(); id != "" {
			if _, err := fc.locals.declare(id, ln.pos); err != nil {
				return err
			}
			if lc.done() {
				return lc.unexpected()
			}
			t, ok := valType(lc.peek(), m.f)
			if !ok {
				return lc.unexpected()
			}
			lc.take()
			add(t)
			if err := lc.expectEnd(); err != nil {
				return err
			}
			continue
		}
		for !lc.done() {
			t, ok := valType(lc.peek(), m.f)
			if !ok {
				return lc.unexpected()
			}
			lc.take()
			fc.locals.declare("", 0)
			add(t)
		}
	}
	body := appendU32(nil, uint32(len(groups)))
	for _, g := range groups {
		body = append(appendU32(body, g[0]), byte(g[1]))
	}
	if len(fc.locals.byIndex) > 0 {
		m.localNames[idx] = fc.locals.byIndex
	}
	fc.out = body
	if err := fc.body(c); err != nil {
		return err
	}
	fc.out = append(fc.out, byte(wasm.OpEnd))
	m.codes = append(m.codes, appendU32(nil, uint32(len(fc.out))), fc.out)
	return nil
}

func (m *module) tableField(c *cursor) error {
	c.id()
	idx := m.nTables
	if err := m.inlineExports(c, wasm.ExternTable, idx); err != nil {
		return err
	}
	imp, ok, err := inlineImport(c)
	if err != nil {
		return err
	}
	if ok {
		if err := m.importDesc(c, "table", imp); err != nil {
			return err
		}
		return c.expectEnd()
	}
	m.nTables++
	if !c.done() {
		if t, ok := refType(c.peek()); ok {
			// reftype (elem ...): the table is exactly as large as the segment.
			c.take()
			if c.peekHead() != "elem" {
				return c.unexpected()
			}
			ec := newCursor(c.take())
			ec.take()
			seg := &elemSeg{mode: wasm.SegmentActive, table: idx, typ: t,
				offset: []byte{byte(wasm.OpI32Const), 0, byte(wasm.OpEnd)}}
			if err := m.elemList(ec, seg, t == wasm.FuncRef && !ec.done() && isIndex(ec.peek())); err != nil {
				return err
			}
			if err := ec.expectEnd(); err != nil {
				return err
			}
			n := uint32(seg.len())
			tt := appendU32(appendU32([]byte{byte(t), 1}, n), n)
			m.tablesOut = append(m.tablesOut, tt)
			m.elemsOut = append(m.elemsOut, seg.encode())
			m.nElems++
			return c.expectEnd()
		}
	}
	tt, err := m.tableType(c)
	if err != nil {
		return err
	}
	m.tablesOut = append(m.tablesOut, tt)
	return c.expectEnd()
}

func (m *module) memoryField(c *cursor) error {
	c.id()
	idx := m.nMems
	if err := m.inlineExports(c, wasm.ExternMemory, idx); err != nil {
		return err
	}
	imp, ok, err := inlineImport(c)
	if err != nil {
		return err
	}
	if ok {
		if err := m.importDesc(c, "memory", imp); err != nil {
			return err
		}
		return c.expectEnd()
	}
	m.nMems++
	if c.peekHead() == "data" {
		dc := newCursor(c.take())
		dc.take()
		data := dc.strings()
		if err := dc.expectEnd(); err != nil {
			return err
		}
		pages := uint32((uint64(len(data)) + 65535) / 65536)
		m.memsOut = append(m.memsOut, appendU32(appendU32([]byte{1}, pages), pages))
		m.datasOut = append(m.datasOut, encodeData(wasm.SegmentActive, idx,
			[]byte{byte(wasm.OpI32Const), 0, byte(wasm.OpEnd)}, data))
		return c.expectEnd()
	}
	lim, err := limits(c)
	if err != nil {
		return err
	}
	m.memsOut = append(m.memsOut, lim)
	return c.expectEnd()
}

func (m *module) globalField(c *cursor) error {
	c.id()
	idx := m.nGlobals
	if err := m.inlineExports(c, wasm.ExternGlobal, idx); err != nil {
		return err
	}
	imp, ok, err := inlineImport(c)
	if err != nil {
		return err
	}
	if ok {
		if err := m.importDesc(c, "global", imp); err != nil {
			return err
		}
		return c.expectEnd()
	}
	m.nGlobals++
	gt, _, err := m.globalType(c)
	if err != nil {
		return err
	}
	init, err := m.constExpr(c)
	if err != nil {
		return err
	}
	m.globalsOut = append(m.globalsOut, append(gt, init...))
	return nil
}

// constExpr encodes the remaining instructions of c followed by end.
func (m *module) constExpr(c *cursor) ([]byte, error) {
	fc := &funcCtx{m: m, locals: newSpace("local")}
	if err := fc.body(c); err != nil {
		return nil, err
	}
	return append(fc.out, byte(wasm.OpEnd)), nil
}

func (m *module) exportField(c *cursor) error {
	s, err := name(c)
	if err != nil {
		return err
	}
	if c.peekHead() == "" {
		return c.unexpected()
	}
	d := newCursor(c.take())
	kn := d.take()
	var kind wasm.ExternKind
	var sp *space
	switch kn.text {
	case "func":
		kind, sp = wasm.ExternFunc, &m.funcs
	case "table":
		kind, sp = wasm.ExternTable, &m.tables
	case "memory":
		kind, sp = wasm.ExternMemory, &m.mems
	case "global":
		kind, sp = wasm.ExternGlobal, &m.globals
	default:
		return errAt(kn.pos, "unexpected token")
	}
	if d.done() {
		return d.unexpected()
	}
	idx, err := sp.ref(d.take())
	if err != nil {
		return err
	}
	if err := d.expectEnd(); err != nil {
		return err
	}
	m.addExport(s, kind, idx)
	return c.expectEnd()
}

// encode assembles the binary module from the collected sections.
func (m *module) encode() []byte {
	out := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
	section := func(id byte, entries [][]byte) {
		if len(entries) > 0 {
			out = appendSection(out, id, appendVec(nil, entries))
		}
	}
	types := make([][]byte, len(m.types))
	for i, t := range m.types {
		b := appendU32([]byte{0x60}, uint32(len(t.Params)))
		for _, p := range t.Params {
			b = append(b, byte(p))
		}
		b = appendU32(b, uint32(len(t.Results)))
		for _, r := range t.Results {
			b = append(b, byte(r))
		}
		types[i] = b
	}
	section(1, types)
	section(2, m.imports)
	funcs := make([][]byte, len(m.funcTypes))
	for i, t := range m.funcTypes {
		funcs[i] = appendU32(nil, t)
	}
	section(3, funcs)
	section(4, m.tablesOut)
	section(5, m.memsOut)
	section(6, m.globalsOut)
	section(7, m.exports)
	if m.start != nil {
		out = appendSection(out, 8, appendU32(nil, *m.start))
	}
	section(9, m.elemsOut)
	if m.usesDataIdx && len(m.datasOut) > 0 {
		out = appendSection(out, 12, appendU32(nil, uint32(len(m.datasOut))))
	}
	if len(m.codes) > 0 {
		// codes holds size and body pairs.
		code := appendU32(nil, uint32(len(m.codes)/2))
		for _, b := range m.codes {
			code = append(code, b...)
		}
		out = appendSection(out, 10, code)
	}
	section(11, m.datasOut)
	return m.appendNames(out)
}
