package wat

import (
	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// elemSeg is an element segment before encoding.
type elemSeg struct {
	mode   wasm.SegmentMode
	table  uint32
	offset []byte // active only, with end
	typ    wasm.ValType
	exprs  [][]byte // each with end
	funcs  []uint32 // used when every item is a function reference
	isFunc []bool   // per expr: it is exactly (ref.func x)
}

func (s *elemSeg) len() int { return len(s.exprs) }

// encode picks the shortest of the eight binary forms that fits.
func (s *elemSeg) encode() []byte {
	useExprs := s.typ != wasm.FuncRef
	for _, f := range s.isFunc {
		if !f {
			useExprs = true
		}
	}
	var flags byte
	switch s.mode {
	case wasm.SegmentPassive:
		flags = 1
	case wasm.SegmentDeclarative:
		flags = 3
	default:
		if s.table != 0 || (useExprs && s.typ != wasm.FuncRef) {
			flags = 2
		}
	}
	if useExprs {
		flags |= 4
	}
	b := []byte{flags}
	if flags&2 != 0 && s.mode == wasm.SegmentActive {
		b = appendU32(b, s.table)
	}
	if s.mode == wasm.SegmentActive {
		b = append(b, s.offset...)
	}
	if flags&3 != 0 {
		if useExprs {
			b = append(b, byte(s.typ))
		} else {
			b = append(b, 0) // elemkind funcref
		}
	}
	b = appendU32(b, uint32(len(s.exprs)))
	for i, e := range s.exprs {
		if useExprs {
			b = append(b, e...)
		} else {
			b = appendU32(b, s.funcs[i])
		}
	}
	return b
}

// addFunc appends the item (ref.func x).
func (s *elemSeg) addFunc(x uint32) {
	e := appendU32([]byte{byte(wasm.OpRefFunc)}, x)
	s.exprs = append(s.exprs, append(e, byte(wasm.OpEnd)))
	s.funcs = append(s.funcs, x)
	s.isFunc = append(s.isFunc, true)
}

// elemList reads the items of a segment: function indices when funcIdx is
// set, otherwise (item instr*) or single folded instruction expressions.
func (m *module) elemList(c *cursor, s *elemSeg, funcIdx bool) error {
	if funcIdx {
		for !c.done() && c.peek().kind == tokAtom {
			x, err := m.funcs.ref(c.take())
			if err != nil {
				return err
			}
			s.addFunc(x)
		}
		return nil
	}
	for !c.done() && c.peek().isList() {
		n := c.take()
		var e []byte
		var err error
		if n.head() == "item" {
			ic := newCursor(n)
			ic.take()
			e, err = m.constExpr(ic)
		} else {
			e, err = m.constExpr(&cursor{items: []*node{n}, end: n.end})
		}
		if err != nil {
			return err
		}
		// A lone ref.func can use the compact function index form.
		isFunc := false
		var x uint32
		if len(e) > 2 && e[0] == byte(wasm.OpRefFunc) && e[len(e)-1] == byte(wasm.OpEnd) {
			v, n, ok := readU32(e[1 : len(e)-1])
			if ok && n == len(e)-2 {
				isFunc, x = true, v
			}
		}
		s.exprs = append(s.exprs, e)
		s.funcs = append(s.funcs, x)
		s.isFunc = append(s.isFunc, isFunc)
	}
	return nil
}

func readU32(b []byte) (uint32, int, bool) {
	var v uint64
	for i := 0; i < len(b) && i < 5; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			return uint32(v), i + 1, true
		}
	}
	return 0, 0, false
}

// offsetExpr reads (offset instr*) or a single folded instruction.
func (m *module) offsetExpr(c *cursor) ([]byte, error) {
	if c.done() || !c.peek().isList() {
		return nil, c.unexpected()
	}
	n := c.take()
	if n.head() == "offset" {
		oc := newCursor(n)
		oc.take()
		return m.constExpr(oc)
	}
	return m.constExpr(&cursor{items: []*node{n}, end: n.end})
}

func (m *module) elemField(c *cursor) error {
	id := c.id()
	idx := m.nElems
	m.nElems++
	s := &elemSeg{mode: wasm.SegmentPassive, typ: wasm.FuncRef}
	bare := false
	if t, ok := m.tables.names[id]; ok && c.peekHead() != "" && c.peekHead() != "table" {
		// Legacy (elem $table (offset ...) ...): the identifier names the
		// table, not the segment.
		delete(m.elems.byIndex, idx)
		var err error
		s.mode, s.table = wasm.SegmentActive, t
		if s.offset, err = m.offsetExpr(c); err != nil {
			return err
		}
		bare = true
	}
	switch {
	case s.mode == wasm.SegmentActive:
	case c.peekAtom() == "declare":
		c.take()
		s.mode = wasm.SegmentDeclarative
	case c.peekHead() == "table":
		tc := newCursor(c.take())
		tc.take()
		if tc.done() {
			return tc.unexpected()
		}
		x, err := m.tables.ref(tc.take())
		if err != nil {
			return err
		}
		if err := tc.expectEnd(); err != nil {
			return err
		}
		s.mode, s.table = wasm.SegmentActive, x
		if s.offset, err = m.offsetExpr(c); err != nil {
			return err
		}
	case !c.done() && isIndex(c.peek()) && len(c.items) > c.i+1 && c.items[c.i+1].isList():
		// Legacy form: (elem x (offset ...) ...) with a bare table index.
		x, err := m.tables.ref(c.take())
		if err != nil {
			return err
		}
		s.mode, s.table = wasm.SegmentActive, x
		if s.offset, err = m.offsetExpr(c); err != nil {
			return err
		}
		bare = true
	case !c.done() && c.peek().isList():
		s.mode = wasm.SegmentActive
		var err error
		if s.offset, err = m.offsetExpr(c); err != nil {
			return err
		}
		bare = true
	}
	funcIdx := false
	switch a := c.peekAtom(); {
	case a == "func":
		c.take()
		funcIdx = true
	case a == "funcref" || a == "externref":
		s.typ, _ = refType(c.take())
	case bare || s.mode == wasm.SegmentActive:
		// (elem (offset ...) x*) abbreviates (elem (offset ...) func x*).
		funcIdx = true
	default:
		return c.unexpected()
	}
	if err := m.elemList(c, s, funcIdx); err != nil {
		return err
	}
	if err := c.expectEnd(); err != nil {
		return err
	}
	m.elemsOut = append(m.elemsOut, s.encode())
	return nil
}

func (m *module) dataField(c *cursor) error {
	c.id()
	mode := wasm.SegmentPassive
	var mem uint32
	var offset []byte
	var err error
	if c.peekHead() == "memory" {
		mc := newCursor(c.take())
		mc.take()
		if mc.done() {
			return mc.unexpected()
		}
		if mem, err = m.mems.ref(mc.take()); err != nil {
			return err
		}
		if err := mc.expectEnd(); err != nil {
			return err
		}
		mode = wasm.SegmentActive
	} else if !c.done() && isIndex(c.peek()) {
		if mem, err = m.mems.ref(c.take()); err != nil {
			return err
		}
		mode = wasm.SegmentActive
	}
	if mode == wasm.SegmentActive || (!c.done() && c.peek().isList()) {
		mode = wasm.SegmentActive
		if offset, err = m.offsetExpr(c); err != nil {
			return err
		}
	}
	data := c.strings()
	if err := c.expectEnd(); err != nil {
		return err
	}
	m.datasOut = append(m.datasOut, encodeData(mode, mem, offset, data))
	return nil
}

func encodeData(mode wasm.SegmentMode, mem uint32, offset, data []byte) []byte {
	var b []byte
	switch {
	case mode == wasm.SegmentPassive:
		b = []byte{1}
	case mem != 0:
		b = appendU32([]byte{2}, mem)
		b = append(b, offset...)
	default:
		b = append([]byte{0}, offset...)
	}
	b = appendU32(b, uint32(len(data)))
	return append(b, data...)
}
