package wat

import (
	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// space is one index space (types, functions, tables, memories, globals,
// element segments, data segments, locals) with its symbolic names.
type space struct {
	kind    string
	names   map[string]uint32
	byIndex map[uint32]string // for the name section
	n       uint32
}

func newSpace(kind string) space {
	return space{kind: kind, names: map[string]uint32{}, byIndex: map[uint32]string{}}
}

// declare allocates the next index, binding id to it if present.
func (s *space) declare(id string, pos int) (uint32, error) {
	if id != "" {
		s.byIndex[s.n] = id[1:]
		if _, dup := s.names[id]; dup {
			if s.kind == "elem" || s.kind == "data" {
				// Legacy scripts write (data $mem ...) and (elem $table ...)
				// naming the memory or table; the segment name is not used then.
				s.n++
				return s.n - 1, nil
			}
			return 0, errAt(pos, "duplicate %s %s", s.kind, id)
		}
		s.names[id] = s.n
	}
	s.n++
	return s.n - 1, nil
}

// ref resolves an index: a $name bound in the space, or a u32 literal.
func (s *space) ref(n *node) (uint32, error) {
	if n.kind != tokAtom {
		return 0, errAt(n.pos, "unexpected token")
	}
	if n.text[0] == '$' {
		i, ok := s.names[n.text]
		if !ok {
			return 0, errAt(n.pos, "unknown %s %s", s.kind, n.text)
		}
		return i, nil
	}
	v, err := parseNat(n.text, 32)
	if err != nil {
		if err == errRange {
			return 0, errAt(n.pos, "constant out of range")
		}
		return 0, errAt(n.pos, "unexpected token")
	}
	return uint32(v), nil
}

// isIndex reports whether an atom can be an index: a $name or a natural number.
func isIndex(n *node) bool {
	if n.kind != tokAtom || n.text == "" {
		return false
	}
	c := n.text[0]
	return (c == '$' && len(n.text) > 1) || ('0' <= c && c <= '9')
}

// optRef consumes an optional index, returning def when absent.
func (s *space) optRef(c *cursor, def uint32) (uint32, error) {
	if !c.done() && isIndex(c.peek()) {
		return s.ref(c.take())
	}
	return def, nil
}

// funcType is a signature as written in the text, before encoding.
type funcType = wasm.FuncType

func valType(n *node, f wasm.Features) (wasm.ValType, bool) {
	if n.kind != tokAtom {
		return 0, false
	}
	switch n.text {
	case "i32":
		return wasm.I32, true
	case "i64":
		return wasm.I64, true
	case "f32":
		return wasm.F32, true
	case "f64":
		return wasm.F64, true
	case "v128":
		return wasm.V128, f.Has(wasm.FeatureSIMD)
	case "funcref":
		return wasm.FuncRef, true
	case "externref":
		return wasm.ExternRef, f.Has(wasm.FeatureReferenceTypes)
	}
	return 0, false
}

func refType(n *node) (wasm.ValType, bool) {
	if n.kind == tokAtom {
		switch n.text {
		case "funcref":
			return wasm.FuncRef, true
		case "externref":
			return wasm.ExternRef, true
		}
	}
	return 0, false
}
