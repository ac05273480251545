package ssa

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/wasiaot/wasiaot/runtime/trap"
)

// maxParseID bounds value and block numbers in text, so that a stray
// "v999999999" is an error instead of a huge allocation.
const maxParseID = 1 << 20

// Parse reads one function in the text form that Func.String prints.
// The result has predecessor lists computed but is not verified.
func Parse(text string) (*Func, error) {
	toks, err := lex(text)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, f: &Func{}}
	if err := p.parseFunc(); err != nil {
		return nil, err
	}
	return p.f, nil
}

type parser struct {
	toks    []token
	pos     int
	f       *Func
	defined []bool // by value ID
	used    []int  // line of first use, by value ID; 0 if unused
	blocks  []*Block
	bdef    []bool
	bused   []int
}

type parseError struct{ msg string }

func (e *parseError) Error() string { return e.msg }

// fail aborts parsing; parseFunc recovers it into an error. Only
// parseError panics are recovered.
func (p *parser) fail(format string, args ...any) {
	panic(&parseError{fmt.Sprintf("line %d: ", p.peek().line) + fmt.Sprintf(format, args...)})
}

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

func (p *parser) isPunct(s string) bool {
	t := p.peek()
	return t.kind == tPunct && t.text == s
}

func (p *parser) accept(s string) bool {
	if p.isPunct(s) {
		p.pos++
		return true
	}
	return false
}

func (p *parser) expect(s string) {
	if !p.accept(s) {
		p.fail("expected %q, found %q", s, p.peek().text)
	}
}

func (p *parser) word() string {
	t := p.peek()
	if t.kind != tWord {
		p.fail("expected a word, found %q", t.text)
	}
	p.pos++
	return t.text
}

func (p *parser) endLine() {
	t := p.peek()
	if t.kind != tNewline && t.kind != tEOF {
		p.fail("unexpected %q at end of line", t.text)
	}
	p.skipNewlines()
}

func (p *parser) skipNewlines() {
	for p.peek().kind == tNewline {
		p.pos++
	}
}

func (p *parser) parseFunc() (err error) {
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(*parseError)
			if !ok {
				panic(r)
			}
			err = errors.New(pe.msg)
		}
	}()
	p.skipNewlines()
	if w := p.word(); w != "func" {
		p.pos--
		p.fail("expected \"func\", found %q", w)
	}
	switch t := p.next(); t.kind {
	case tWord, tString:
		p.f.Name = t.text
	default:
		p.pos--
		p.fail("expected a function name")
	}
	p.f.Sig = p.parseSig()
	p.expect("{")
	p.endLine()
	for p.peek().kind == tWord && strings.HasPrefix(p.peek().text, "sig") {
		n := p.number(p.word()[3:], "signature")
		if n != len(p.f.Sigs) {
			p.pos--
			p.fail("signature sig%d out of order", n)
		}
		p.expect("=")
		p.f.Sigs = append(p.f.Sigs, p.parseSig())
		p.endLine()
	}
	for !p.isPunct("}") {
		if p.peek().kind == tEOF {
			p.fail("unexpected end of input")
		}
		p.parseBlock()
	}
	p.next()
	p.skipNewlines()
	if p.peek().kind != tEOF {
		p.fail("unexpected %q after function", p.peek().text)
	}
	return p.finish()
}

func (p *parser) finish() error {
	f := p.f
	if len(f.Blocks) == 0 {
		return errors.New("function has no blocks")
	}
	for id, line := range p.used {
		if line != 0 && !p.defined[id] {
			return fmt.Errorf("line %d: v%d is used but never defined", line, id)
		}
	}
	for id, line := range p.bused {
		if line != 0 && !p.bdef[id] {
			return fmt.Errorf("line %d: b%d is used but never defined", line, id)
		}
	}
	f.blocks = p.blocks
	f.ComputePreds()
	return nil
}

func (p *parser) number(s, what string) int {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n >= maxParseID {
		p.fail("bad %s number %q", what, s)
	}
	return int(n)
}

func (p *parser) parseType() Type {
	w := p.word()
	t, ok := ParseType(w)
	if !ok {
		p.pos--
		p.fail("unknown type %q", w)
	}
	return t
}

func (p *parser) parseSig() Signature {
	var s Signature
	p.expect("(")
	if !p.accept(")") {
		for {
			s.Params = append(s.Params, p.parseValueType())
			if p.accept(")") {
				break
			}
			p.expect(",")
		}
	}
	if p.peek().kind == tArrow {
		p.next()
		for {
			s.Results = append(s.Results, p.parseValueType())
			if !p.accept(",") {
				break
			}
		}
	}
	return s
}

func (p *parser) parseValueType() Type {
	t := p.parseType()
	if !t.IsValue() {
		p.pos--
		p.fail("%s is not a value type", t)
	}
	return t
}

// valueRef reads "vN" and returns N, allocating the value if needed.
func (p *parser) valueRef() ID {
	w := p.word()
	if len(w) < 2 || w[0] != 'v' {
		p.pos--
		p.fail("expected a value, found %q", w)
	}
	id := ID(p.number(w[1:], "value"))
	for p.f.nvalues <= int(id) {
		p.f.allocValue()
		p.defined = append(p.defined, false)
		p.used = append(p.used, 0)
	}
	return id
}

func (p *parser) useValue() ID {
	line := p.peek().line
	id := p.valueRef()
	if p.used[id] == 0 {
		p.used[id] = line
	}
	return id
}

func (p *parser) defineValue() *Value {
	id := p.valueRef()
	if p.defined[id] {
		p.pos--
		p.fail("v%d is defined twice", id)
	}
	p.defined[id] = true
	return p.f.Value(id)
}

func (p *parser) blockRef() BlockID {
	w := p.word()
	if len(w) < 2 || w[0] != 'b' {
		p.pos--
		p.fail("expected a block, found %q", w)
	}
	id := p.number(w[1:], "block")
	for len(p.blocks) <= id {
		p.blocks = append(p.blocks, nil)
		p.bdef = append(p.bdef, false)
		p.bused = append(p.bused, 0)
	}
	if p.blocks[id] == nil {
		p.blocks[id] = &Block{ID: BlockID(id)}
	}
	return BlockID(id)
}

func (p *parser) parseBlock() {
	line := p.peek().line
	id := p.blockRef()
	if p.bdef[id] {
		p.pos--
		p.fail("b%d is defined twice", id)
	}
	p.bdef[id] = true
	b := p.blocks[id]
	p.f.Blocks = append(p.f.Blocks, b)
	if p.accept("(") {
		for {
			v := p.defineValue()
			p.expect(":")
			v.Op, v.Type, v.Block = OpParam, p.parseValueType(), b.ID
			b.Params = append(b.Params, v.ID)
			if p.accept(")") {
				break
			}
			p.expect(",")
		}
	}
	p.expect(":")
	p.endLine()
	for {
		t := p.peek()
		if t.kind != tWord {
			p.fail("expected an instruction or terminator in b%d (line %d)", id, line)
		}
		if op, ok := LookupOp(t.text); ok && op.IsTerminator() {
			p.next()
			p.parseTerm(b, op)
			p.endLine()
			return
		}
		p.parseValue(b)
		p.endLine()
	}
}

func (p *parser) parseValue(b *Block) {
	v := p.defineValue()
	t := TypeVoid
	if p.accept(":") {
		t = p.parseType()
	}
	p.expect("=")
	name := p.word()
	op, ok := LookupOp(name)
	if !ok || op == OpParam || op == OpInvalid || op.IsTerminator() {
		p.pos--
		p.fail("unknown op %q", name)
	}
	v.Op, v.Type, v.Block = op, t, b.ID
	p.parseAux(v)
	var args []ID
	if p.peek().kind == tWord {
		for {
			args = append(args, p.useValue())
			if !p.accept(",") {
				break
			}
		}
	}
	v.Args = p.f.CopyIDs(args)
	b.Instrs = append(b.Instrs, v.ID)
}

func (p *parser) parseEdge() Edge {
	e := Edge{Block: p.blockRef()}
	if p.bused[e.Block] == 0 {
		p.bused[e.Block] = p.peek().line
	}
	if p.accept("(") {
		var args []ID
		for {
			args = append(args, p.useValue())
			if p.accept(")") {
				break
			}
			p.expect(",")
		}
		e.Args = p.f.CopyIDs(args)
	}
	return e
}

func (p *parser) parseTerm(b *Block, op Op) {
	b.Term = op
	switch op {
	case OpJump:
		b.Succs = []Edge{p.parseEdge()}
	case OpBrIf:
		b.Controls = p.f.CopyIDs([]ID{p.useValue()})
		p.expect(",")
		then := p.parseEdge()
		p.expect(",")
		b.Succs = []Edge{then, p.parseEdge()}
	case OpBrTable:
		b.Controls = p.f.CopyIDs([]ID{p.useValue()})
		p.expect(",")
		p.expect("[")
		if !p.accept("]") {
			for {
				b.Succs = append(b.Succs, p.parseEdge())
				if p.accept("]") {
					break
				}
				p.expect(",")
			}
		}
		p.expect(",")
		b.Succs = append(b.Succs, p.parseEdge())
	case OpReturn:
		var ctl []ID
		if p.peek().kind == tWord {
			for {
				ctl = append(ctl, p.useValue())
				if !p.accept(",") {
					break
				}
			}
		}
		b.Controls = p.f.CopyIDs(ctl)
	case OpTrap:
		b.Aux = int64(p.trapKind())
	}
}

func (p *parser) trapKind() TrapKind {
	w := p.word()
	k, ok := trap.ParseName(w)
	if !ok {
		p.pos--
		p.fail("unknown trap kind %q", w)
	}
	return k
}

// index reads a word made of prefix and a 32-bit number, like "g3".
func (p *parser) index(prefix string) int64 {
	w := p.word()
	if !strings.HasPrefix(w, prefix) {
		p.pos--
		p.fail("expected %sN, found %q", prefix, w)
	}
	n, err := strconv.ParseUint(w[len(prefix):], 10, 32)
	if err != nil {
		p.pos--
		p.fail("bad index %q", w)
	}
	return int64(n)
}

// keyed reads "key=N".
func (p *parser) keyed(key string, bits int) uint64 {
	if w := p.word(); w != key {
		p.pos--
		p.fail("expected %s=, found %q", key, w)
	}
	p.expect("=")
	w := p.word()
	n, err := strconv.ParseUint(w, 10, bits)
	if err != nil {
		p.pos--
		p.fail("bad %s %q", key, w)
	}
	return n
}

func (p *parser) parseAux(v *Value) {
	switch v.Op.Info().Aux {
	case AuxInt:
		w := p.word()
		n, err := strconv.ParseInt(w, 10, 64)
		if err != nil || v.Op == OpI32Const && int64(int32(n)) != n {
			p.pos--
			p.fail("bad %s immediate %q", v.Op, w)
		}
		v.Aux = n
	case AuxNone:
		if !v.Op.IsDiv() {
			break
		}
		for i, name := range divFlagNames {
			if p.peek().kind == tWord && p.peek().text == name {
				p.word()
				v.Aux |= 1 << i
			}
		}
	case AuxIndex:
		w := p.word()
		n, err := strconv.ParseUint(w, 10, 16)
		if err != nil {
			p.pos--
			p.fail("bad index %q", w)
		}
		v.Aux = int64(n)
	case AuxF32:
		v.Aux = int64(p.parseFloat(32))
	case AuxF64:
		v.Aux = int64(p.parseFloat(64))
	case AuxV128:
		w := p.word()
		if len(w) != 34 || !strings.HasPrefix(w, "0x") {
			p.pos--
			p.fail("bad v128 constant %q: want 0x and 32 hex digits", w)
		}
		hi, err1 := strconv.ParseUint(w[2:18], 16, 64)
		lo, err2 := strconv.ParseUint(w[18:], 16, 64)
		if err1 != nil || err2 != nil {
			p.pos--
			p.fail("bad v128 constant %q", w)
		}
		v.Aux, v.Aux2 = int64(lo), int64(hi)
	case AuxShuffle:
		p.expect("[")
		var lanes [16]byte
		for i := range lanes {
			w := p.word()
			n, err := strconv.ParseUint(w, 10, 8)
			if err != nil || n >= 32 {
				p.pos--
				p.fail("bad shuffle lane %q", w)
			}
			lanes[i] = byte(n)
		}
		p.expect("]")
		v.SetShuffleLanes(lanes)
	case AuxLane:
		v.Aux = int64(p.keyed("lane", 8))
	case AuxMem, AuxMemLane:
		off := p.keyed("offset", 64)
		align := p.keyed("align", 32)
		if align == 0 || align&(align-1) != 0 || align > 1<<16 {
			p.pos--
			p.fail("alignment %d is not a power of two", align)
		}
		var lane uint64
		if v.Op.Info().Aux == AuxMemLane {
			lane = p.keyed("lane", 8)
		}
		var mem uint64
		if p.peek().kind == tWord && p.peek().text == "mem" {
			mem = p.keyed("mem", 32)
		}
		lg := uint8(0)
		for 1<<lg < align {
			lg++
		}
		v.SetMem(off, lg, uint32(mem))
		if v.Op.Info().Aux == AuxMemLane {
			v.SetLane(uint8(lane))
		}
	case AuxMemory:
		v.Aux = p.index("m")
	case AuxMemory2:
		v.Aux, v.Aux2 = p.index("m"), p.index("m")
	case AuxData:
		v.Aux, v.Aux2 = p.index("d"), p.index("m")
	case AuxDataIndex:
		v.Aux = p.index("d")
	case AuxGlobal:
		v.Aux = p.index("g")
	case AuxTable:
		v.Aux = p.index("t")
	case AuxTable2:
		v.Aux, v.Aux2 = p.index("t"), p.index("t")
	case AuxElem:
		v.Aux, v.Aux2 = p.index("e"), p.index("t")
	case AuxElemIndex:
		v.Aux = p.index("e")
	case AuxFunc:
		v.Aux = p.index("f")
	case AuxCall:
		v.Aux, v.Aux2 = p.index("f"), p.index("sig")
	case AuxCallIndirect:
		typ, tbl := p.index("type"), p.index("t")
		v.Aux, v.Aux2 = typ|tbl<<32, p.index("sig")
	case AuxTrap:
		v.Aux = int64(p.trapKind())
	}
}

// parseFloat reads a float literal ("1.5", "-0", "+Inf") or NaN bits
// ("nan:0x7fc00000") and returns its bits.
func (p *parser) parseFloat(bits int) uint64 {
	w := p.word()
	if w == "nan" {
		p.expect(":")
		h := p.word()
		n, err := strconv.ParseUint(strings.TrimPrefix(h, "0x"), 16, bits)
		if err != nil || !strings.HasPrefix(h, "0x") {
			p.pos--
			p.fail("bad NaN bits %q", h)
		}
		if bits == 32 && !math.IsNaN(float64(math.Float32frombits(uint32(n)))) ||
			bits == 64 && !math.IsNaN(math.Float64frombits(n)) {
			p.pos--
			p.fail("%q are not NaN bits", h)
		}
		return n
	}
	lw := strings.ToLower(w)
	if strings.Contains(lw, "nan") || strings.HasPrefix(lw, "0x") || strings.Contains(lw, "_") {
		p.pos--
		p.fail("bad float %q", w)
	}
	x, err := strconv.ParseFloat(w, bits)
	if err != nil {
		p.pos--
		p.fail("bad float %q", w)
	}
	if bits == 32 {
		return uint64(math.Float32bits(float32(x)))
	}
	return math.Float64bits(x)
}
