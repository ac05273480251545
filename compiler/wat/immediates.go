package wat

import (
	"math/bits"
	"strings"

	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// instr encodes a non-block operator and its immediates.
func (fc *funcCtx) instr(n *node, c *cursor) error {
	m := fc.m
	info := opsByName[n.text]
	if info == nil || (info.Feature != 0 && !m.f.Has(info.Feature)) {
		return errAt(n.pos, "unknown operator %s", n.text)
	}
	op := info.Op
	if op == wasm.OpSelect && c.peekHead() == "result" {
		if !m.f.Has(wasm.FeatureReferenceTypes) {
			return errAt(c.pos(), "unexpected token")
		}
		var ts []wasm.ValType
		for c.peekHead() == "result" {
			rc := newCursor(c.take())
			rc.take()
			for !rc.done() {
				t, ok := valType(rc.peek(), m.f)
				if !ok {
					return rc.unexpected()
				}
				rc.take()
				ts = append(ts, t)
			}
		}
		fc.out = appendU32(append(fc.out, byte(wasm.OpSelectT)), uint32(len(ts)))
		for _, t := range ts {
			fc.out = append(fc.out, byte(t))
		}
		return nil
	}
	b := appendOp(fc.out, op)
	var err error
	var x, y uint32
	switch info.Imm {
	case wasm.ImmNone:
	case wasm.ImmBlock:
		// else and end outside a block, or then outside if.
		return errAt(n.pos, "unexpected token")
	case wasm.ImmLabel:
		x, err = fc.label(c)
		b = appendU32(b, x)
	case wasm.ImmBrTable:
		var ls []uint32
		for !c.done() && isIndex(c.peek()) {
			if x, err = fc.label(c); err != nil {
				return err
			}
			ls = append(ls, x)
		}
		if len(ls) == 0 {
			return c.unexpected()
		}
		b = appendU32(b, uint32(len(ls)-1))
		for _, l := range ls {
			b = appendU32(b, l)
		}
	case wasm.ImmFunc:
		x, err = ref(c, &m.funcs)
		b = appendU32(b, x)
	case wasm.ImmCallIndirect:
		if x, err = m.tables.optRef(c, 0); err != nil {
			return err
		}
		y, _, err = m.typeUse(c, nil, sigAnon)
		b = appendU32(appendU32(b, y), x)
	case wasm.ImmLocal:
		x, err = ref(c, &fc.locals)
		b = appendU32(b, x)
	case wasm.ImmGlobal:
		x, err = ref(c, &m.globals)
		b = appendU32(b, x)
	case wasm.ImmTable:
		x, err = m.tables.optRef(c, 0)
		b = appendU32(b, x)
	case wasm.ImmMemArg:
		b, err = memarg(c, b, info.Align)
	case wasm.ImmMemArgLane:
		if b, err = memarg(c, b, info.Align); err == nil {
			b, err = lane(c, b, false)
		}
	case wasm.ImmMemory, wasm.ImmMemFill:
		b = append(b, 0)
	case wasm.ImmMemCopy:
		b = append(b, 0, 0)
	case wasm.ImmMemInit:
		x, err = ref(c, &m.datas)
		b = append(appendU32(b, x), 0)
		m.usesDataIdx = true
	case wasm.ImmData:
		x, err = ref(c, &m.datas)
		b = appendU32(b, x)
		m.usesDataIdx = true
	case wasm.ImmElem:
		x, err = ref(c, &m.elems)
		b = appendU32(b, x)
	case wasm.ImmTableInit:
		// table.init x? y: with one index it names the segment.
		if len(c.items) > c.i+1 && isIndex(c.items[c.i+1]) && !c.done() && isIndex(c.peek()) {
			if y, err = ref(c, &m.tables); err != nil {
				return err
			}
		}
		x, err = ref(c, &m.elems)
		b = appendU32(appendU32(b, x), y)
	case wasm.ImmTableCopy:
		if !c.done() && isIndex(c.peek()) {
			if x, err = ref(c, &m.tables); err != nil {
				return err
			}
			y, err = ref(c, &m.tables)
		}
		b = appendU32(appendU32(b, x), y)
	case wasm.ImmRefType:
		a, aerr := c.atom()
		switch {
		case aerr != nil:
			return aerr
		case a.text == "func":
			b = append(b, byte(wasm.FuncRef))
		case a.text == "extern":
			b = append(b, byte(wasm.ExternRef))
		default:
			return errAt(a.pos, "unexpected token")
		}
	case wasm.ImmI32, wasm.ImmI64, wasm.ImmF32, wasm.ImmF64:
		a, aerr := c.atom()
		if aerr != nil {
			return aerr
		}
		b, err = constant(b, info.Imm, a)
	case wasm.ImmV128:
		b, err = v128Const(c, b)
	case wasm.ImmShuffle:
		for i := 0; i < 16; i++ {
			if c.done() || c.peek().kind != tokAtom {
				return errAt(c.pos(), "invalid lane length")
			}
			if b, err = lane(c, b, true); err != nil {
				return err
			}
		}
		if !c.done() && c.peek().kind == tokAtom && isNumeric(c.peek().text) {
			return errAt(c.pos(), "invalid lane length")
		}
	case wasm.ImmLane:
		b, err = lane(c, b, false)
	default:
		return errAt(n.pos, "not supported: immediates of %s", n.text)
	}
	if err != nil {
		return err
	}
	fc.out = b
	return nil
}

// memarg reads offset=N? align=N? and appends the alignment exponent and
// offset; natural is the default alignment exponent.
func memarg(c *cursor, b []byte, natural uint8) ([]byte, error) {
	var offset uint64
	align := uint32(natural)
	if a := c.peekAtom(); strings.HasPrefix(a, "offset=") {
		n := c.take()
		v, err := parseNat(a[len("offset="):], 32)
		if err != nil {
			if err == errRange {
				return nil, errAt(n.pos, "i32 constant out of range")
			}
			return nil, errAt(n.pos, "unknown operator")
		}
		offset = v
	}
	if a := c.peekAtom(); strings.HasPrefix(a, "align=") {
		n := c.take()
		v, err := parseNat(a[len("align="):], 32)
		if err != nil {
			return nil, numErr(n, err)
		}
		if v == 0 || v&(v-1) != 0 {
			return nil, errAt(n.pos, "alignment must be a power of two")
		}
		align = uint32(bits.TrailingZeros64(v))
	}
	return appendU64(appendU32(b, align), offset), nil
}

// lane reads a lane index, a literal of type u8. A shuffle's lanes must
// all be present, so anything there is a malformed index.
func lane(c *cursor, b []byte, shuffle bool) ([]byte, error) {
	if c.done() || c.peek().kind != tokAtom {
		return nil, c.unexpected()
	}
	n := c.take()
	v, err := parseNat(n.text, 8)
	if err != nil {
		if err == errSyntax && !shuffle {
			return nil, errAt(n.pos, "unexpected token")
		}
		return nil, errAt(n.pos, "malformed lane index")
	}
	return append(b, byte(v)), nil
}

// isNumeric reports whether an atom looks like a number literal.
func isNumeric(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	return s != "" && ('0' <= s[0] && s[0] <= '9' || strings.HasPrefix(s, "inf") || strings.HasPrefix(s, "nan"))
}

// constant appends a scalar constant immediate.
func constant(b []byte, kind wasm.ImmKind, a *node) ([]byte, error) {
	var err error
	var v uint64
	switch kind {
	case wasm.ImmI32:
		if v, err = parseInt(a.text, 32); err == nil {
			return appendS64(b, int64(int32(v))), nil
		}
	case wasm.ImmI64:
		if v, err = parseInt(a.text, 64); err == nil {
			return appendS64(b, int64(v)), nil
		}
	case wasm.ImmF32:
		if v, err = parseFloat(a.text, f32Format); err == nil {
			return appendLE(b, v, 4), nil
		}
	case wasm.ImmF64:
		if v, err = parseFloat(a.text, f64Format); err == nil {
			return appendLE(b, v, 8), nil
		}
	}
	return nil, numErr(a, err)
}

// v128Const reads a shape and its lane literals.
func v128Const(c *cursor, b []byte) ([]byte, error) {
	shape, err := c.atom()
	if err != nil {
		return nil, err
	}
	var lanes, size int
	var parse func(string) (uint64, error)
	switch shape.text {
	case "i8x16":
		lanes, size, parse = 16, 1, func(s string) (uint64, error) { return parseInt(s, 8) }
	case "i16x8":
		lanes, size, parse = 8, 2, func(s string) (uint64, error) { return parseInt(s, 16) }
	case "i32x4":
		lanes, size, parse = 4, 4, func(s string) (uint64, error) { return parseInt(s, 32) }
	case "i64x2":
		lanes, size, parse = 2, 8, func(s string) (uint64, error) { return parseInt(s, 64) }
	case "f32x4":
		lanes, size, parse = 4, 4, func(s string) (uint64, error) { return parseFloat(s, f32Format) }
	case "f64x2":
		lanes, size, parse = 2, 8, func(s string) (uint64, error) { return parseFloat(s, f64Format) }
	default:
		return nil, errAt(shape.pos, "unexpected token")
	}
	for i := 0; i < lanes; i++ {
		if j := c.i + lanes - 1 - i; j >= len(c.items) || c.items[j].kind != tokAtom {
			return nil, errAt(c.pos(), "wrong number of lane literals")
		}
		a := c.take()
		v, err := parse(a.text)
		if err != nil {
			return nil, numErr(a, err)
		}
		b = appendLE(b, v, size)
	}
	if !c.done() && c.peek().kind == tokAtom && isNumeric(c.peek().text) {
		return nil, errAt(c.pos(), "wrong number of lane literals")
	}
	return b, nil
}
