package wat

import (
	"strings"

	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// funcCtx encodes the instructions of one function body or constant
// expression.
type funcCtx struct {
	m      *module
	locals space
	labels []string // innermost last; "" for unnamed blocks
	out    []byte
}

// opsByName maps text names to operators. The typed select shares its name
// with the plain one and is chosen by its immediates.
var opsByName = func() map[string]*wasm.OpInfo {
	ops := wasm.Opcodes()
	m := make(map[string]*wasm.OpInfo, len(ops))
	for i := range ops {
		if ops[i].Op != wasm.OpSelectT {
			m[ops[i].Name] = &ops[i]
		}
	}
	return m
}()

func appendOp(b []byte, op wasm.Opcode) []byte {
	if p := op.Prefix(); p != 0 {
		return appendU32(append(b, p), op.Sub())
	}
	return append(b, byte(op))
}

// body encodes every instruction of c; a stray end or else is an error.
func (fc *funcCtx) body(c *cursor) error {
	term, err := fc.seq(c)
	if err != nil {
		return err
	}
	if term != nil {
		return errAt(term.pos, "unexpected token")
	}
	return nil
}

// seq encodes instructions until c runs out or reaches end or else, which
// it consumes and returns.
func (fc *funcCtx) seq(c *cursor) (*node, error) {
	for !c.done() {
		n := c.take()
		switch {
		case n.isList():
			if err := fc.folded(n); err != nil {
				return nil, err
			}
		case n.kind != tokAtom:
			return nil, errAt(n.pos, "unexpected token")
		case n.text == "end" || n.text == "else":
			return n, nil
		default:
			if err := fc.plain(n, c); err != nil {
				return nil, err
			}
		}
	}
	return nil, nil
}

// maxBlockDepth bounds block nesting, which recursion follows, so hostile
// input cannot exhaust the stack.
const maxBlockDepth = 50000

// blockStart reads the label and block type of block, loop or if.
func (fc *funcCtx) blockStart(op wasm.Opcode, c *cursor) (label string, bt []byte, err error) {
	if len(fc.labels) >= maxBlockDepth {
		return "", nil, errAt(c.pos(), "blocks nested too deep")
	}
	label = c.id()
	bt, err = fc.m.blockType(c, appendOp(nil, op))
	return label, bt, err
}

// endLabel checks the optional label repeated after end or else.
func (fc *funcCtx) endLabel(c *cursor, label string) error {
	if id := c.peekAtom(); len(id) > 1 && id[0] == '$' {
		n := c.take()
		if id != label {
			return errAt(n.pos, "mismatching label")
		}
	}
	return nil
}

func (fc *funcCtx) plain(n *node, c *cursor) error {
	var op wasm.Opcode
	switch n.text {
	case "block":
		op = wasm.OpBlock
	case "loop":
		op = wasm.OpLoop
	case "if":
		op = wasm.OpIf
	default:
		return fc.instr(n, c)
	}
	label, bt, err := fc.blockStart(op, c)
	if err != nil {
		return err
	}
	fc.out = append(fc.out, bt...)
	fc.labels = append(fc.labels, label)
	term, err := fc.seq(c)
	if err != nil {
		return err
	}
	if term != nil && term.text == "else" && op == wasm.OpIf {
		if err := fc.endLabel(c, label); err != nil {
			return err
		}
		mark := len(fc.out)
		fc.out = append(fc.out, byte(wasm.OpElse))
		if term, err = fc.seq(c); err != nil {
			return err
		}
		fc.dropEmptyElse(mark)
	}
	if term == nil || term.text != "end" {
		if term == nil {
			return errAt(c.pos(), "unexpected end of input, expected end")
		}
		return errAt(term.pos, "unexpected token")
	}
	fc.labels = fc.labels[:len(fc.labels)-1]
	fc.out = append(fc.out, byte(wasm.OpEnd))
	return fc.endLabel(c, label)
}

func (fc *funcCtx) folded(n *node) error {
	c := newCursor(n)
	if c.done() || c.peek().kind != tokAtom {
		return errAt(n.pos, "unexpected token")
	}
	head := c.take()
	switch head.text {
	case "block", "loop":
		op := wasm.OpBlock
		if head.text == "loop" {
			op = wasm.OpLoop
		}
		label, bt, err := fc.blockStart(op, c)
		if err != nil {
			return err
		}
		fc.out = append(fc.out, bt...)
		fc.labels = append(fc.labels, label)
		if err := fc.body(c); err != nil {
			return err
		}
		fc.labels = fc.labels[:len(fc.labels)-1]
		fc.out = append(fc.out, byte(wasm.OpEnd))
		return nil
	case "if":
		label, bt, err := fc.blockStart(wasm.OpIf, c)
		if err != nil {
			return err
		}
		for !c.done() && c.peekHead() != "then" {
			cn := c.take()
			if !cn.isList() {
				return errAt(cn.pos, "unexpected token")
			}
			if err := fc.folded(cn); err != nil {
				return err
			}
		}
		if c.done() {
			return c.unexpected()
		}
		fc.out = append(fc.out, bt...)
		fc.labels = append(fc.labels, label)
		tc := newCursor(c.take())
		tc.take()
		if err := fc.body(tc); err != nil {
			return err
		}
		if c.peekHead() == "else" {
			ec := newCursor(c.take())
			ec.take()
			mark := len(fc.out)
			fc.out = append(fc.out, byte(wasm.OpElse))
			if err := fc.body(ec); err != nil {
				return err
			}
			fc.dropEmptyElse(mark)
		}
		fc.labels = fc.labels[:len(fc.labels)-1]
		fc.out = append(fc.out, byte(wasm.OpEnd))
		return c.expectEnd()
	}
	switch head.text {
	case "param", "result", "local", "type", "then", "else":
		// Clauses in the wrong place, not unknown instructions.
		return errAt(n.pos, "unexpected token")
	}
	// (op immediates operand*): operands are encoded before the operator.
	start := len(fc.out)
	if err := fc.instr(head, c); err != nil {
		return err
	}
	op := append([]byte(nil), fc.out[start:]...)
	fc.out = fc.out[:start]
	for !c.done() {
		cn := c.take()
		if !cn.isList() {
			return errAt(cn.pos, "unexpected token")
		}
		if err := fc.folded(cn); err != nil {
			return err
		}
	}
	fc.out = append(fc.out, op...)
	return nil
}

// label resolves a label reference to its relative depth.
func (fc *funcCtx) label(c *cursor) (uint32, error) {
	if c.done() || c.peek().kind != tokAtom {
		return 0, c.unexpected()
	}
	n := c.take()
	if n.text[0] == '$' {
		for i := len(fc.labels) - 1; i >= 0; i-- {
			if fc.labels[i] == n.text {
				return uint32(len(fc.labels) - 1 - i), nil
			}
		}
		return 0, errAt(n.pos, "unknown label %s", n.text)
	}
	v, err := parseNat(n.text, 32)
	if err != nil {
		return 0, numErr(n, err)
	}
	return uint32(v), nil
}

// numErr reports a bad literal; malformed numbers read as unknown words.
func numErr(n *node, err error) error {
	if err == errRange {
		return errAt(n.pos, "constant out of range")
	}
	if t := strings.TrimLeft(n.text, "+-"); t == "nan:canonical" || t == "nan:arithmetic" {
		// nan:canonical and nan:arithmetic are result patterns of scripts.
		return errAt(n.pos, "unexpected token")
	}
	return errAt(n.pos, "unknown operator")
}

// ref resolves a required index in sp.
func ref(c *cursor, sp *space) (uint32, error) {
	if c.done() {
		return 0, c.unexpected()
	}
	return sp.ref(c.take())
}

// dropEmptyElse removes an else with no instructions, which means the same
// as no else at all; wast2json writes it that way too.
func (fc *funcCtx) dropEmptyElse(mark int) {
	if len(fc.out) == mark+1 {
		fc.out = fc.out[:mark]
	}
}
