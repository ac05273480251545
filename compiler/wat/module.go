package wat

import (
	"unicode/utf8"

	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// module collects the encoded entries of every section while the fields
// are processed in text order.
type module struct {
	f wasm.Features

	types                                      []funcType
	typeNames                                  space
	funcs, tables, mems, globals, elems, datas space

	// Counters of the encoding pass, in step with the declaring pass.
	nFuncs, nTables, nMems, nGlobals, nElems uint32

	imports, tablesOut, memsOut, globalsOut, exports, elemsOut, datasOut [][]byte
	codes                                                                [][]byte // size and body, alternating
	funcTypes                                                            []uint32
	start                                                                *uint32
	// memory.init or data.drop: the data count section is needed.
	usesDataIdx bool

	typeByKey  map[string]uint32            // first index of each signature, built on first use
	name       string                       // the module's $id
	localNames map[uint32]map[uint32]string // per function index
}

func encodeModule(fields []*node, id string, f wasm.Features) ([]byte, error) {
	m := &module{
		f:          f,
		name:       id,
		localNames: map[uint32]map[uint32]string{},
		typeNames:  newSpace("type"),
		funcs:      newSpace("func"),
		tables:     newSpace("table"),
		mems:       newSpace("memory"),
		globals:    newSpace("global"),
		elems:      newSpace("elem"),
		datas:      newSpace("data"),
	}
	for _, fld := range fields {
		if err := m.declare(fld); err != nil {
			return nil, err
		}
	}
	m.nFuncs, m.nTables, m.nMems, m.nGlobals = 0, 0, 0, 0
	for _, fld := range fields {
		if err := m.field(fld); err != nil {
			return nil, err
		}
	}
	return m.encode(), nil
}

var fieldKinds = map[string]bool{
	"type": true, "import": true, "func": true, "table": true, "memory": true,
	"global": true, "export": true, "start": true, "elem": true, "data": true,
}

// declare is the first pass: it binds identifiers in every index space and
// reads the explicit types, so later references may point forward.
func (m *module) declare(fld *node) (err error) {
	if !fld.isList() || !fieldKinds[fld.head()] {
		return errAt(fld.pos, "unexpected token")
	}
	c := newCursor(fld)
	kind := c.take().text
	lastDef := ""
	for _, k := range [...]string{"func", "table", "memory", "global"} {
		if m.spaceOf(k).n > m.importedOf(k) {
			lastDef = k
		}
	}
	switch kind {
	case "type":
		id := c.id()
		if _, err := m.typeNames.declare(id, fld.pos); err != nil {
			return err
		}
		if c.peekHead() != "func" {
			return c.unexpected()
		}
		fc := newCursor(c.take())
		fc.take()
		ft, err := m.signature(fc, nil, sigType)
		if err != nil {
			return err
		}
		if err := fc.expectEnd(); err != nil {
			return err
		}
		if err := c.expectEnd(); err != nil {
			return err
		}
		m.types = append(m.types, ft)
	case "import":
		if _, err := c.str(); err != nil {
			return err
		}
		if _, err := c.str(); err != nil {
			return err
		}
		if c.peekHead() == "" {
			return c.unexpected()
		}
		d := newCursor(c.take())
		k := d.take().text
		if m.spaceOf(k) == nil {
			return errAt(d.items[0].pos, "unexpected token")
		}
		if lastDef != "" {
			return errAt(fld.pos, "import after %s", defName(lastDef))
		}
		_, err = m.spaceOf(k).declare(d.id(), fld.pos)
		m.countImport(k)
	case "func", "table", "memory", "global":
		id := c.id()
		for c.peekHead() == "export" {
			c.take()
		}
		imported := c.peekHead() == "import"
		if imported && lastDef != "" {
			return errAt(fld.pos, "import after %s", defName(lastDef))
		}
		if _, err := m.spaceOf(kind).declare(id, fld.pos); err != nil {
			return err
		}
		if imported {
			m.countImport(kind)
			return nil
		}
		// Inline segments take the next segment index.
		for ; !c.done(); c.i++ {
			if kind == "table" && c.peekHead() == "elem" {
				m.elems.declare("", 0)
			}
			if kind == "memory" && c.peekHead() == "data" {
				m.datas.declare("", 0)
			}
		}
	case "elem":
		_, err = m.elems.declare(c.id(), fld.pos)
	case "data":
		_, err = m.datas.declare(c.id(), fld.pos)
	}
	return err
}

func defName(k string) string {
	if k == "func" {
		return "function"
	}
	return k
}

func (m *module) spaceOf(kind string) *space {
	switch kind {
	case "func":
		return &m.funcs
	case "table":
		return &m.tables
	case "memory":
		return &m.mems
	case "global":
		return &m.globals
	}
	return nil
}

// Imports are counted per kind in the declaring pass to find definitions
// that precede imports.
func (m *module) countImport(kind string) {
	switch kind {
	case "func":
		m.nFuncs++
	case "table":
		m.nTables++
	case "memory":
		m.nMems++
	case "global":
		m.nGlobals++
	}
}

func (m *module) importedOf(kind string) uint32 {
	switch kind {
	case "func":
		return m.nFuncs
	case "table":
		return m.nTables
	case "memory":
		return m.nMems
	}
	return m.nGlobals
}

// field is the second pass: it encodes one module field.
func (m *module) field(fld *node) error {
	c := newCursor(fld)
	switch c.take().text {
	case "type":
		return nil
	case "import":
		return m.importField(c)
	case "func":
		return m.funcField(c)
	case "table":
		return m.tableField(c)
	case "memory":
		return m.memoryField(c)
	case "global":
		return m.globalField(c)
	case "export":
		return m.exportField(c)
	case "start":
		if m.start != nil {
			return errAt(fld.pos, "multiple start sections")
		}
		if c.done() {
			return c.unexpected()
		}
		x, err := m.funcs.ref(c.take())
		if err != nil {
			return err
		}
		m.start = &x
		return c.expectEnd()
	case "elem":
		return m.elemField(c)
	case "data":
		return m.dataField(c)
	}
	return errAt(fld.pos, "unexpected token")
}

// name reads a string that must be valid UTF-8.
func name(c *cursor) (string, error) {
	pos := c.pos()
	s, err := c.str()
	if err != nil {
		return "", err
	}
	if !utf8.ValidString(s) {
		return "", errAt(pos, "malformed UTF-8 encoding")
	}
	return s, nil
}

// inlineExports reads (export "name")* and records them for index idx.
func (m *module) inlineExports(c *cursor, kind wasm.ExternKind, idx uint32) error {
	for c.peekHead() == "export" {
		e := newCursor(c.take())
		e.take()
		s, err := name(e)
		if err != nil {
			return err
		}
		if err := e.expectEnd(); err != nil {
			return err
		}
		m.addExport(s, kind, idx)
	}
	return nil
}

func (m *module) addExport(s string, kind wasm.ExternKind, idx uint32) {
	b := appendName(nil, s)
	b = append(b, byte(kind))
	m.exports = append(m.exports, appendU32(b, idx))
}

// inlineImport reads (import "module" "name") if present.
func inlineImport(c *cursor) (b []byte, ok bool, err error) {
	if c.peekHead() != "import" {
		return nil, false, nil
	}
	ic := newCursor(c.take())
	ic.take()
	mod, err := name(ic)
	if err != nil {
		return nil, false, err
	}
	nm, err := name(ic)
	if err != nil {
		return nil, false, err
	}
	if err := ic.expectEnd(); err != nil {
		return nil, false, err
	}
	return appendName(appendName(nil, mod), nm), true, nil
}

func (m *module) importField(c *cursor) error {
	mod, err := name(c)
	if err != nil {
		return err
	}
	nm, err := name(c)
	if err != nil {
		return err
	}
	if c.peekHead() == "" {
		return c.unexpected()
	}
	dn := c.take()
	if err := c.expectEnd(); err != nil {
		return err
	}
	d := newCursor(dn)
	kind := d.take().text
	d.id()
	prefix := appendName(appendName(nil, mod), nm)
	if err := m.importDesc(d, kind, prefix); err != nil {
		return err
	}
	return d.expectEnd()
}

// importDesc encodes the description of an import of the given kind and
// advances that kind's index.
func (m *module) importDesc(c *cursor, kind string, prefix []byte) error {
	b := prefix
	switch kind {
	case "func":
		locals := newSpace("local")
		idx, _, err := m.typeUse(c, &locals, sigFunc)
		if err != nil {
			return err
		}
		if len(locals.byIndex) > 0 {
			m.localNames[m.nFuncs] = locals.byIndex
		}
		b = appendU32(append(b, 0), idx)
		m.nFuncs++
	case "table":
		tt, err := m.tableType(c)
		if err != nil {
			return err
		}
		b = append(append(b, 1), tt...)
		m.nTables++
	case "memory":
		lim, err := limits(c)
		if err != nil {
			return err
		}
		b = append(append(b, 2), lim...)
		m.nMems++
	case "global":
		gt, _, err := m.globalType(c)
		if err != nil {
			return err
		}
		b = append(append(b, 3), gt...)
		m.nGlobals++
	default:
		return errAt(c.pos(), "unexpected token")
	}
	m.imports = append(m.imports, b)
	return nil
}

// limits reads min max? as u32 values.
func limits(c *cursor) ([]byte, error) {
	lo, err := u32(c)
	if err != nil {
		return nil, err
	}
	if !c.done() && c.peek().kind == tokAtom && isIndex(c.peek()) {
		hi, err := u32(c)
		if err != nil {
			return nil, err
		}
		return appendU32(appendU32([]byte{1}, lo), hi), nil
	}
	return appendU32([]byte{0}, lo), nil
}

// u32 reads an unsigned 32-bit literal.
func u32(c *cursor) (uint32, error) {
	a, err := c.atom()
	if err != nil {
		return 0, err
	}
	v, err := parseNat(a.text, 32)
	if err != nil {
		if err == errRange {
			return 0, errAt(a.pos, "i32 constant out of range")
		}
		return 0, errAt(a.pos, "unexpected token")
	}
	return uint32(v), nil
}

func (m *module) tableType(c *cursor) ([]byte, error) {
	lim, err := limits(c)
	if err != nil {
		return nil, err
	}
	if c.done() {
		return nil, c.unexpected()
	}
	t, ok := refType(c.peek())
	if !ok {
		return nil, c.unexpected()
	}
	c.take()
	return append([]byte{byte(t)}, lim...), nil
}

func (m *module) globalType(c *cursor) ([]byte, wasm.ValType, error) {
	if c.done() {
		return nil, 0, c.unexpected()
	}
	mut := byte(0)
	tn := c.peek()
	if tn.head() == "mut" {
		mc := newCursor(tn)
		mc.take()
		if mc.done() {
			return nil, 0, mc.unexpected()
		}
		tn = mc.take()
		if err := mc.expectEnd(); err != nil {
			return nil, 0, err
		}
		mut = 1
	}
	t, ok := valType(tn, m.f)
	if !ok {
		return nil, 0, errAt(tn.pos, "unexpected token")
	}
	c.take()
	return []byte{byte(t), mut}, t, nil
}
