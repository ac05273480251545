package wat

import (
	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// sigMode says where a signature is written.
type sigMode uint8

const (
	sigFunc sigMode = iota // functions and imports: parameters may be named
	sigType                // type definitions
	sigAnon                // block types and call_indirect: no names
)

// signature reads (param ...)* (result ...)*, binding parameter names in
// locals when it is not nil.
func (m *module) signature(c *cursor, locals *space, mode sigMode) (funcType, error) {
	ft := funcType{Params: []wasm.ValType{}, Results: []wasm.ValType{}}
	for c.peekHead() == "param" {
		pn := c.take()
		pc := newCursor(pn)
		pc.take()
		if id := pc.id(); id != "" {
			if mode == sigAnon {
				return ft, errAt(pn.pos, "unexpected token")
			}
			if pc.done() {
				return ft, pc.unexpected()
			}
			t, ok := valType(pc.peek(), m.f)
			if !ok {
				return ft, pc.unexpected()
			}
			pc.take()
			if err := pc.expectEnd(); err != nil {
				return ft, err
			}
			if locals != nil {
				if _, err := locals.declare(id, pn.pos); err != nil {
					return ft, err
				}
			}
			ft.Params = append(ft.Params, t)
			continue
		}
		for !pc.done() {
			t, ok := valType(pc.peek(), m.f)
			if !ok {
				return ft, pc.unexpected()
			}
			pc.take()
			if locals != nil {
				locals.declare("", 0)
			}
			ft.Params = append(ft.Params, t)
		}
	}
	for c.peekHead() == "result" {
		rc := newCursor(c.take())
		rc.take()
		for !rc.done() {
			t, ok := valType(rc.peek(), m.f)
			if !ok {
				return ft, rc.unexpected()
			}
			rc.take()
			ft.Results = append(ft.Results, t)
		}
	}
	if c.peekHead() == "param" {
		if mode == sigType {
			return ft, errAt(c.pos(), "result before parameter")
		}
		return ft, c.unexpected()
	}
	return ft, nil
}

// typeIndex finds a type equal to ft or appends one, as the text format's
// implicit type uses require.
func (m *module) typeIndex(ft funcType) uint32 {
	if m.typeByKey == nil {
		m.typeByKey = make(map[string]uint32, len(m.types))
		for i := range m.types {
			k := typeKey(&m.types[i])
			if _, ok := m.typeByKey[k]; !ok {
				m.typeByKey[k] = uint32(i)
			}
		}
	}
	k := typeKey(&ft)
	if i, ok := m.typeByKey[k]; ok {
		return i
	}
	m.types = append(m.types, ft)
	m.typeByKey[k] = uint32(len(m.types) - 1)
	return uint32(len(m.types) - 1)
}

// typeKey is a map key equal for structurally equal signatures.
func typeKey(ft *funcType) string {
	b := make([]byte, 0, len(ft.Params)+len(ft.Results)+1)
	for _, p := range ft.Params {
		b = append(b, byte(p))
	}
	b = append(b, 0)
	for _, r := range ft.Results {
		b = append(b, byte(r))
	}
	return string(b)
}

// explicitType reads (type x) if present.
func (m *module) explicitType(c *cursor) (idx uint32, ok bool, err error) {
	if c.peekHead() != "type" {
		return 0, false, nil
	}
	tc := newCursor(c.take())
	tc.take()
	if tc.done() {
		return 0, false, tc.unexpected()
	}
	idx, err = m.typeNames.ref(tc.take())
	if err != nil {
		return 0, false, err
	}
	return idx, true, tc.expectEnd()
}

// typeUse reads a type use and returns its index and signature; named
// parameters are bound in locals when it is not nil.
func (m *module) typeUse(c *cursor, locals *space, mode sigMode) (uint32, funcType, error) {
	pos := c.pos()
	idx, hasType, err := m.explicitType(c)
	if err != nil {
		return 0, funcType{}, err
	}
	inlinePos := c.pos()
	var scratch space
	if locals == nil {
		scratch = newSpace("local")
		locals = &scratch
	}
	start := locals.n
	ft, err := m.signature(c, locals, mode)
	if err != nil {
		return 0, ft, err
	}
	if !hasType {
		return m.typeIndex(ft), ft, nil
	}
	inline := len(ft.Params) > 0 || len(ft.Results) > 0
	if int(idx) >= len(m.types) {
		if inline {
			return 0, ft, errAt(pos, "unknown type")
		}
		return idx, ft, nil
	}
	t := m.types[idx]
	if inline && !t.Equal(&ft) {
		return 0, ft, errAt(inlinePos, "inline function type")
	}
	for locals.n-start < uint32(len(t.Params)) {
		locals.declare("", 0)
	}
	return idx, t, nil
}

// blockType reads a block type: empty, one result, or a type use, and
// appends its encoding. Signatures without parameters and with at most one
// result use the short form even when given through (type x).
func (m *module) blockType(c *cursor, b []byte) ([]byte, error) {
	pos := c.pos()
	idx, hasType, err := m.explicitType(c)
	if err != nil {
		return nil, err
	}
	inlinePos := c.pos()
	ft, err := m.signature(c, nil, sigAnon)
	if err != nil {
		return nil, err
	}
	inline := len(ft.Params) > 0 || len(ft.Results) > 0
	if hasType {
		if int(idx) >= len(m.types) {
			if inline {
				return nil, errAt(pos, "unknown type")
			}
			return appendS64(b, int64(idx)), nil
		}
		t := m.types[idx]
		if inline && !t.Equal(&ft) {
			return nil, errAt(inlinePos, "inline function type")
		}
		ft = t
	}
	switch {
	case len(ft.Params) == 0 && len(ft.Results) == 0:
		return append(b, 0x40), nil
	case len(ft.Params) == 0 && len(ft.Results) == 1:
		return append(b, byte(ft.Results[0])), nil
	}
	if !hasType {
		idx = m.typeIndex(ft)
	}
	return appendS64(b, int64(idx)), nil
}
