package opt

import "github.com/wasiaot/wasiaot/compiler/ssa"

// Facts about an i32 or i64 value on the current path.
const (
	unknown int8 = iota
	nonZero
	isZero
)

// CheckElim removes run-time checks that the path to them already decides.
// Walking the dominator tree, it learns that a value is non-zero or zero
// from a dominating brif on it (in a successor that has no other
// predecessor), from a dominating trapz/trapnz that did not trap, from a
// dominating division by it that did not trap, and through eqz. Then:
//
//   - trapz of a known non-zero value and trapnz of a known zero value go;
//     a check known to fail ends its block with the trap;
//   - an integer division or remainder by a value known non-zero gets
//     ssa.DivNonZero, and a signed division by a constant other than -1,
//     or of a constant other than MIN, gets ssa.DivNoOverflow, so that
//     instruction selection leaves those checks out.
func CheckElim(f *ssa.Func) bool {
	sc := getScratch()
	defer sc.release()
	dom := &sc.dom
	dom.Compute(f)
	c := checkElim{f: f, known: zeroed(&sc.i8s, f.NumValues()), undo: sc.ids[0][:0]}
	defer func() { sc.ids[0] = c.undo[:0] }()
	type frame struct {
		b    ssa.BlockID
		undo int
		next int
	}
	entry := f.Entry().ID
	c.enter(f.Entry())
	stack := []frame{{entry, 0, 0}}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		kids := dom.Children(top.b)
		if top.next < len(kids) {
			k := f.Block(kids[top.next])
			top.next++
			stack = append(stack, frame{k.ID, len(c.undo), 0})
			c.enter(k)
			continue
		}
		for _, id := range c.undo[top.undo:] {
			c.known[id] = unknown
		}
		c.undo = c.undo[:top.undo]
		stack = stack[:len(stack)-1]
	}
	if c.cfg {
		f.ComputePreds()
		f.RemoveUnreachableBuf(&sc.order)
	}
	return c.changed
}

type checkElim struct {
	f            *ssa.Func
	known        []int8
	undo         []ssa.ID
	changed, cfg bool
}

func (c *checkElim) fact(id ssa.ID) int8 {
	v := c.f.Value(id)
	switch v.Op {
	case ssa.OpI32Const, ssa.OpI64Const:
		if v.Aux == 0 {
			return isZero
		}
		return nonZero
	case ssa.OpI32Eqz, ssa.OpI64Eqz:
		if k := c.known[v.Args[0]]; k != unknown && c.known[id] == unknown {
			return nonZero + isZero - k
		}
	}
	return c.known[id]
}

func (c *checkElim) learn(id ssa.ID, k int8) {
	for range 4 {
		if c.known[id] != unknown {
			return
		}
		c.known[id] = k
		c.undo = append(c.undo, id)
		v := c.f.Value(id)
		if v.Op != ssa.OpI32Eqz && v.Op != ssa.OpI64Eqz {
			return
		}
		id, k = v.Args[0], nonZero+isZero-k
	}
}

func (c *checkElim) enter(b *ssa.Block) {
	f := c.f
	if len(b.Preds) == 1 {
		p := f.Block(b.Preds[0])
		if p.Term == ssa.OpBrIf && p.Succs[0].Block != p.Succs[1].Block {
			if p.Succs[0].Block == b.ID {
				c.learn(p.Controls[0], nonZero)
			} else {
				c.learn(p.Controls[0], isZero)
			}
		}
	}
	removed := false
	for i, id := range b.Instrs {
		v := f.Value(id)
		switch v.Op {
		case ssa.OpTrapz, ssa.OpTrapnz:
			pass, fail := nonZero, isZero // facts under which trapz passes or fails
			if v.Op == ssa.OpTrapnz {
				pass, fail = isZero, nonZero
			}
			switch c.fact(v.Args[0]) {
			case pass:
				v.Block = ssa.NoBlock
				removed, c.changed = true, true
				continue
			case fail:
				trapHere(f, b, i, v.Trap())
				c.changed, c.cfg = true, true
				c.compact(b, removed)
				return
			}
			c.learn(v.Args[0], pass)
			continue
		}
		o := widthOps(v.Op)
		if o == nil || v.Op.Info().Effects != ssa.EffTrap {
			continue
		}
		flags := v.DivFlags()
		if c.fact(v.Args[1]) == nonZero {
			flags |= ssa.DivNonZero
		}
		if v.Op == o.divS && flags&ssa.DivNoOverflow == 0 {
			if d, ok := constOf(f, v.Args[1]); ok && d != -1 {
				flags |= ssa.DivNoOverflow
			} else if x, ok := constOf(f, v.Args[0]); ok && x != minOf(o) {
				flags |= ssa.DivNoOverflow
			}
		}
		if flags != v.DivFlags() {
			v.Aux = int64(flags)
			c.changed = true
		}
		c.learn(v.Args[1], nonZero) // past the division, it was not zero
	}
	c.compact(b, removed)
}

func (c *checkElim) compact(b *ssa.Block, removed bool) {
	if !removed {
		return
	}
	instrs := b.Instrs[:0]
	for _, id := range b.Instrs {
		if c.f.Value(id).Block == b.ID {
			instrs = append(instrs, id)
		}
	}
	b.Instrs = instrs
}

func constOf(f *ssa.Func, id ssa.ID) (int64, bool) {
	v := f.Value(id)
	if v.Op == ssa.OpI32Const || v.Op == ssa.OpI64Const {
		return v.Aux, true
	}
	return 0, false
}

func minOf(o *intOps) int64 {
	if o.bits == 32 {
		return -1 << 31
	}
	return -1 << 63
}
