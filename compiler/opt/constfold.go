package opt

import "github.com/wasiaot/wasiaot/compiler/ssa"

// ConstFold evaluates operations whose arguments are all constants, with
// wasm's exact semantics, and folds control flow on constant conditions:
//
//   - an op that would trap on its constant arguments (division by zero,
//     INT_MIN/-1, out-of-range or NaN trapping conversions) stays as it is,
//     so the trap still happens at run time, in order;
//   - select on a constant condition, or of two equal values, becomes a copy;
//   - trapz/trapnz that cannot trap disappear; one that must trap ends its
//     block with a trap, and the rest of the block goes;
//   - brif and br_table on constants become jumps; so does a branch whose
//     edges are all the same.
//
// A float result that is NaN folds to the canonical NaN, which the spec
// allows for every NaN-producing op; abs, neg and copysign change only the
// sign bit and keep NaN payloads, as the spec requires.
func ConstFold(f *ssa.Func) bool {
	sc := getScratch()
	defer sc.release()
	changed, cfg := false, false
	for _, b := range f.ReversePostorderBuf(&sc.order) {
		removed := false
	instrs:
		for i := 0; i < len(b.Instrs); i++ {
			v := f.Value(b.Instrs[i])
			switch v.Op {
			case ssa.OpSelect:
				if c, ok := constBits(f, v.Args[2]); ok {
					pick := v.Args[1]
					if uint32(c) != 0 {
						pick = v.Args[0]
					}
					makeCopy(v, pick)
					changed = true
				} else if v.Args[0] == v.Args[1] {
					makeCopy(v, v.Args[0])
					changed = true
				}
				continue
			case ssa.OpTrapz, ssa.OpTrapnz:
				c, ok := constBits(f, v.Args[0])
				if !ok {
					continue
				}
				if (uint32(c) == 0) == (v.Op == ssa.OpTrapz) {
					trapHere(f, b, i, ssa.TrapKind(v.Aux))
					changed, cfg = true, true
					break instrs
				}
				v.Block = ssa.NoBlock // compacted below
				removed, changed = true, true
				continue
			}
			if foldValue(f, v) {
				changed = true
			}
		}
		if removed {
			instrs := b.Instrs[:0]
			for _, id := range b.Instrs {
				if f.Value(id).Block != ssa.NoBlock {
					instrs = append(instrs, id)
				}
			}
			b.Instrs = instrs
		}
		if foldBranch(f, b) {
			changed, cfg = true, true
		}
	}
	if cfg {
		f.ComputePreds()
		f.RemoveUnreachableBuf(&sc.order)
	}
	return changed
}

// constBits returns the bits of a constant value: i32 and f32 in the low
// 32 bits.
func constBits(f *ssa.Func, id ssa.ID) (uint64, bool) {
	v := f.Value(id)
	switch v.Op {
	case ssa.OpI32Const, ssa.OpF32Const:
		return uint64(uint32(v.Aux)), true
	case ssa.OpI64Const, ssa.OpF64Const:
		return uint64(v.Aux), true
	}
	return 0, false
}

// setConst turns v into a constant of its own type.
func setConst(v *ssa.Value, bits uint64) {
	v.Args = nil
	v.Aux2 = 0
	switch v.Type {
	case ssa.TypeI32:
		v.Op, v.Aux = ssa.OpI32Const, int64(int32(uint32(bits)))
	case ssa.TypeI64:
		v.Op, v.Aux = ssa.OpI64Const, int64(bits)
	case ssa.TypeF32:
		v.Op, v.Aux = ssa.OpF32Const, int64(uint32(bits))
	case ssa.TypeF64:
		v.Op, v.Aux = ssa.OpF64Const, int64(bits)
	}
}

func makeCopy(v *ssa.Value, x ssa.ID) {
	v.Op = ssa.OpCopy
	v.Args = v.Args[:1:1]
	v.Args[0] = x
	v.Aux, v.Aux2 = 0, 0
}

func foldValue(f *ssa.Func, v *ssa.Value) bool {
	if v.Op.IsSIMD() {
		return foldSIMD(f, v)
	}
	if v.Op.IsConst() || len(v.Args) == 0 || len(v.Args) > 2 || !canEval[v.Op] {
		return false
	}
	var args [2]uint64
	for i, a := range v.Args {
		c, ok := constBits(f, a)
		if !ok {
			return false
		}
		args[i] = c
	}
	r, ok := eval(v.Op, args[0], args[1])
	if !ok {
		return false
	}
	setConst(v, r)
	return true
}

// foldSIMD evaluates a pure vector op whose arguments are all constants.
func foldSIMD(f *ssa.Func, v *ssa.Value) bool {
	if v.Op == ssa.OpV128Const || len(v.Args) == 0 || len(v.Args) > 3 || !v.Op.IsPure() {
		return false
	}
	var args [3]V128
	for i, a := range v.Args {
		if c := f.Value(a); c.Op == ssa.OpV128Const {
			args[i] = V128{uint64(c.Aux), uint64(c.Aux2)}
		} else if bits, ok := constBits(f, a); ok {
			args[i] = V128{Lo: bits}
		} else {
			return false
		}
	}
	r, ok := EvalSIMD(v.Op, v.Aux, v.Aux2, args[:len(v.Args)])
	if !ok {
		return false
	}
	if v.Type == ssa.TypeV128 {
		v.Op, v.Args, v.Aux, v.Aux2 = ssa.OpV128Const, nil, int64(r.Lo), int64(r.Hi)
		return true
	}
	setConst(v, r.Lo)
	return true
}

// trapHere ends b with a trap in place of its i-th instruction.
func trapHere(f *ssa.Func, b *ssa.Block, i int, kind ssa.TrapKind) {
	for _, id := range b.Instrs[i:] {
		f.Value(id).Block = ssa.NoBlock
	}
	b.Instrs = b.Instrs[:i]
	f.SetTerm(b, ssa.OpTrap, nil, nil)
	b.Aux = int64(kind)
}

func sameEdge(x, y ssa.Edge) bool {
	if x.Block != y.Block || len(x.Args) != len(y.Args) {
		return false
	}
	for i, a := range x.Args {
		if y.Args[i] != a {
			return false
		}
	}
	return true
}

// foldBranch turns a conditional branch with a known outcome into a jump.
// Predecessor lists are left for the caller to recompute.
func foldBranch(f *ssa.Func, b *ssa.Block) bool {
	var to ssa.Edge
	switch b.Term {
	case ssa.OpBrIf:
		if c, ok := constBits(f, b.Controls[0]); ok {
			to = b.Succs[1]
			if uint32(c) != 0 {
				to = b.Succs[0]
			}
		} else if sameEdge(b.Succs[0], b.Succs[1]) {
			to = b.Succs[0]
		} else {
			return false
		}
	case ssa.OpBrTable:
		def := len(b.Succs) - 1
		if c, ok := constBits(f, b.Controls[0]); ok {
			to = b.Succs[min(uint64(uint32(c)), uint64(def))]
		} else {
			for _, e := range b.Succs[:def] {
				if !sameEdge(e, b.Succs[def]) {
					return false
				}
			}
			to = b.Succs[def]
		}
	default:
		return false
	}
	b.Term = ssa.OpJump
	b.Controls = nil
	b.Succs = []ssa.Edge{to}
	return true
}
