package wat

// node is an s-expression: an atom, a string, or a parenthesised list.
type node struct {
	kind tokKind // tokAtom, tokString or tokLParen for lists
	text string
	list []*node
	pos  int // offset of the token or the opening parenthesis
	end  int // offset just past the node
}

func (n *node) isList() bool { return n.kind == tokLParen }

// head returns the keyword a list starts with, or "".
func (n *node) head() string {
	if n.isList() && len(n.list) > 0 && n.list[0].kind == tokAtom {
		return n.list[0].text
	}
	return ""
}

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 10000

// readAll reads every s-expression of src. A stray closing parenthesis at
// the top level ends the reading: the forms before it are returned with
// the error, so errors inside them can be reported first, as a streaming
// parser would.
func readAll(src []byte) ([]*node, error) {
	l := &lexer{src: src}
	var stack [][]*node
	var starts []int
	var top []*node
	// Nodes come from slabs that double in size, up to 1024 nodes.
	var slab []node
	slabSize := 8
	alloc := func() *node {
		if len(slab) == 0 {
			slab = make([]node, slabSize)
			slabSize = min(2*slabSize, 1024)
		}
		n := &slab[0]
		slab = slab[1:]
		return n
	}
	for {
		t, err := l.next()
		if err != nil {
			return nil, err
		}
		switch t.kind {
		case tokEOF:
			if len(stack) > 0 {
				return nil, errAt(starts[len(starts)-1], "unclosed parenthesis")
			}
			return top, nil
		case tokLParen:
			if len(stack) >= maxDepth {
				return nil, errAt(t.pos, "nesting too deep")
			}
			stack = append(stack, top)
			starts = append(starts, t.pos)
			top = nil
		case tokRParen:
			if len(stack) == 0 {
				return top, errAt(t.pos, "unexpected token")
			}
			n := alloc()
			*n = node{kind: tokLParen, list: top, pos: starts[len(starts)-1], end: t.pos + 1}
			top = append(stack[len(stack)-1], n)
			stack = stack[:len(stack)-1]
			starts = starts[:len(starts)-1]
		default:
			n := alloc()
			*n = node{kind: t.kind, text: t.text, pos: t.pos, end: l.pos}
			top = append(top, n)
		}
	}
}

// cursor walks the elements of a list.
type cursor struct {
	items []*node
	i     int
	end   int // offset to report when the list runs out
}

func newCursor(n *node) *cursor { return &cursor{items: n.list, end: n.end - 1} }

func (c *cursor) done() bool  { return c.i >= len(c.items) }
func (c *cursor) peek() *node { return c.items[c.i] }
func (c *cursor) pos() int {
	if c.done() {
		return c.end
	}
	return c.items[c.i].pos
}

// peekAtom returns the next atom without consuming it, or "".
func (c *cursor) peekAtom() string {
	if !c.done() && c.items[c.i].kind == tokAtom {
		return c.items[c.i].text
	}
	return ""
}

// peekHead returns the keyword of the next list, or "".
func (c *cursor) peekHead() string {
	if c.done() {
		return ""
	}
	return c.items[c.i].head()
}

func (c *cursor) take() *node {
	n := c.items[c.i]
	c.i++
	return n
}

// id consumes an optional $identifier.
func (c *cursor) id() string {
	if a := c.peekAtom(); len(a) > 1 && a[0] == '$' {
		c.i++
		return a
	}
	return ""
}

func (c *cursor) unexpected() error {
	return errAt(c.pos(), "unexpected token")
}

// expectEnd fails if elements remain.
func (c *cursor) expectEnd() error {
	if !c.done() {
		return c.unexpected()
	}
	return nil
}

// atom consumes an atom.
func (c *cursor) atom() (*node, error) {
	if c.done() || c.items[c.i].kind != tokAtom {
		return nil, c.unexpected()
	}
	return c.take(), nil
}

// str consumes a string.
func (c *cursor) str() (string, error) {
	if c.done() || c.items[c.i].kind != tokString {
		return "", c.unexpected()
	}
	return c.take().text, nil
}

// strings consumes zero or more strings and concatenates them.
func (c *cursor) strings() []byte {
	var b []byte
	for !c.done() && c.items[c.i].kind == tokString {
		b = append(b, c.take().text...)
	}
	return b
}
