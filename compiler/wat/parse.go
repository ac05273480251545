package wat

import (
	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// maxQuoteDepth bounds (module quote ...) nesting.
const maxQuoteDepth = 8

// Parse converts a module in the text format into its binary encoding.
// src is either a (module ...) form or a sequence of module fields. The
// result is the canonical encoding: smallest LEBs, sections in order, empty
// sections left out, no custom sections. Errors are *Error with the line and
// column of the offending token.
func Parse(src []byte, f wasm.Features) ([]byte, error) {
	out, err := parseText(src, f, 0)
	if err != nil {
		return nil, locate(src, err)
	}
	return out, nil
}

func parseText(src []byte, f wasm.Features, depth int) ([]byte, error) {
	nodes, trailing := readAll(src)
	if trailing != nil && nodes == nil {
		return nil, trailing
	}
	var out []byte
	var err error
	if len(nodes) > 0 && nodes[0].head() == "module" {
		if len(nodes) > 1 {
			return nil, errAt(nodes[1].pos, "unexpected token")
		}
		out, err = moduleForm(nodes[0], f, depth)
	} else {
		out, err = encodeModule(nodes, "", f)
	}
	if err != nil {
		return nil, err
	}
	if trailing != nil {
		return nil, trailing
	}
	return out, nil
}

// moduleForm handles (module $id? field*), (module $id? binary "..."*) and
// (module $id? quote "..."*).
func moduleForm(n *node, f wasm.Features, depth int) ([]byte, error) {
	c := newCursor(n)
	c.take()
	id := c.id()
	switch c.peekAtom() {
	case "binary":
		c.take()
		b := c.strings()
		if err := c.expectEnd(); err != nil {
			return nil, err
		}
		if b == nil {
			b = []byte{}
		}
		return b, nil
	case "quote":
		c.take()
		text := c.strings()
		if err := c.expectEnd(); err != nil {
			return nil, err
		}
		if depth >= maxQuoteDepth {
			return nil, errAt(n.pos, "quoted modules nested too deep")
		}
		out, err := parseText(text, f, depth+1)
		if err != nil {
			// Report the inner position relative to the quoted text.
			if e, ok := locate(text, err).(*Error); ok {
				return nil, errAt(n.pos, "%s (quoted text %d:%d)", e.Msg, e.Line, e.Col)
			}
			return nil, err
		}
		return out, nil
	}
	return encodeModule(c.items[c.i:], id, f)
}
