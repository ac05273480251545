package arm64

import (
	"fmt"

	"github.com/wasiaot/wasiaot/compiler/ssa"
)

// layout orders the machine blocks (SSA reverse postorder, each SSA
// block's extra blocks after it, cold blocks last), splits critical edges
// and renumbers the jump targets.
func (s *isel) layout() {
	order := s.order[:0]
	for _, l := range s.lists {
		order = append(order, l...)
	}
	order = append(order, s.cold...)
	s.preds = zeroed(s.preds, len(s.blocks))
	preds := s.preds
	for _, b := range order {
		for _, t := range s.succs(s.blocks[b]) {
			preds[t]++
		}
	}
	edge := func(t int32, depth int32) int32 {
		e := s.newBlock(depth)
		s.blocks[e].Instrs = append(s.slab.Take(1), Instr{Op: OpB, Target: [2]int32{t}, Func: -1})
		order = append(order, e)
		return e
	}
	for _, b := range order {
		blk := s.blocks[b]
		last := &blk.Instrs[len(blk.Instrs)-1]
		switch ops[last.Op].form {
		case fJmpTab:
			if s.splitAt == nil {
				s.splitAt = map[int32]int32{}
			}
			split := s.splitAt
			clear(split)
			for k, t := range last.Table {
				if e, ok := split[t]; ok {
					last.Table[k] = e
					continue
				}
				e := t
				if preds[t] > 1 {
					e = edge(t, blk.LoopDepth)
				}
				split[t] = e
				last.Table[k] = e
			}
		case fBcond, fCbz:
			for k := 0; k < 2; k++ {
				t := last.Target[k]
				if preds[t] > 1 || (k == 1 && last.Target[0] == t) {
					last.Target[k] = edge(t, blk.LoopDepth)
				}
			}
		}
	}
	s.order = order
	s.index = zeroed(s.index, len(s.blocks))
	index := s.index
	for i, b := range order {
		index[b] = int32(i)
	}
	s.out.Blocks = make([]*Block, len(order))
	for i, b := range order {
		blk := s.blocks[b]
		last := &blk.Instrs[len(blk.Instrs)-1]
		switch ops[last.Op].form {
		case fJmp:
			last.Target[0] = index[last.Target[0]]
		case fBcond, fCbz:
			last.Target[0], last.Target[1] = index[last.Target[0]], index[last.Target[1]]
		case fJmpTab:
			for k, t := range last.Table {
				last.Table[k] = index[t]
			}
		}
		s.out.Blocks[i] = blk
	}
}

func (s *isel) succs(b *Block) []int32 {
	last := &b.Instrs[len(b.Instrs)-1]
	switch ops[last.Op].form {
	case fJmp:
		return last.Target[:1]
	case fBcond, fCbz:
		return last.Target[:2]
	case fJmpTab:
		return last.Table
	}
	return nil
}

// brTable selects br_table as a bounds check and a jump table, or a
// binary search over the case values when the table is small.
func (s *isel) brTable(b *ssa.Block) {
	n := len(b.Succs) - 1
	targets := make([]int32, n+1)
	seen := map[string]int32{}
	for i, e := range b.Succs {
		key := fmt.Sprint(e.Block, e.Args)
		if t, ok := seen[key]; ok {
			targets[i] = t
			continue
		}
		targets[i] = s.edgeTarget(e)
		seen[key] = targets[i]
	}
	if c, ok := s.constOf(b.Controls[0]); ok {
		i := uint32(c)
		if int64(i) >= int64(n) {
			i = uint32(n)
		}
		s.jmp(targets[i])
		return
	}
	if len(distinct(targets)) == 1 {
		s.jmp(targets[0])
		return
	}
	idx := s.use(b.Controls[0])
	s.cmpImm(idx, int64(n), 4)
	s.branch(CondHS, targets[n])
	if len(distinct(targets[:n])) == 1 {
		s.jmp(targets[0])
		return
	}
	if n >= jumpTableMin {
		s.emit(Instr{Op: OpJmpTab, Src: [3]Operand{R(idx)}, Table: append([]int32(nil), targets[:n]...)})
		return
	}
	s.search(idx, targets, 0, n)
}

// jumpTableMin is the smallest br_table that gets a jump table.
const jumpTableMin = 6

func (s *isel) search(idx Reg, targets []int32, lo, hi int) {
	if hi-lo > 4 {
		mid := (lo + hi) / 2
		lower, upper := s.inline(), s.inline()
		s.cmpImm(idx, int64(mid), 4)
		s.bcond(CondLO, lower, upper)
		s.switchTo(lower)
		s.search(idx, targets, lo, mid)
		s.switchTo(upper)
		s.search(idx, targets, mid, hi)
		return
	}
	for k := lo; k < hi-1; k++ {
		if k == 0 {
			s.branchZero(OpCbz, idx, 4, targets[k])
			continue
		}
		s.cmpImm(idx, int64(k), 4)
		s.branch(CondEQ, targets[k])
	}
	s.jmp(targets[hi-1])
}

// cmpImm compares r with the constant k, as an immediate when it fits.
func (s *isel) cmpImm(r Reg, k int64, size uint8) {
	if size == 4 {
		k = int64(int32(k))
	}
	switch {
	case addImm(k):
		s.emit(Instr{Op: OpCmp, Size: size, Src: [3]Operand{R(r), Imm(k)}})
	case addImm(-k):
		s.emit(Instr{Op: OpCmn, Size: size, Src: [3]Operand{R(r), Imm(-k)}})
	default:
		s.emit(Instr{Op: OpCmp, Size: size, Src: [3]Operand{R(r), R(s.constReg(k, size))}})
	}
}

// addImm reports whether k fits an add/sub immediate: 12 bits, possibly
// shifted left by 12.
func addImm(k int64) bool {
	return k >= 0 && (k < 1<<12 || k&0xfff == 0 && k < 1<<24)
}

func isCompare(op ssa.Op) bool {
	switch {
	case op >= ssa.OpI32Eq && op <= ssa.OpI64GeU, op >= ssa.OpF32Eq && op <= ssa.OpF64Ge:
		return true
	case op == ssa.OpI32Eqz, op == ssa.OpI64Eqz, op == ssa.OpRefIsNull:
		return true
	}
	return false
}

var intConds = map[ssa.Op]Cond{
	ssa.OpI32Eq: CondEQ, ssa.OpI32Ne: CondNE, ssa.OpI32LtS: CondLT, ssa.OpI32LtU: CondLO,
	ssa.OpI32GtS: CondGT, ssa.OpI32GtU: CondHI, ssa.OpI32LeS: CondLE, ssa.OpI32LeU: CondLS,
	ssa.OpI32GeS: CondGE, ssa.OpI32GeU: CondHS,
	ssa.OpI64Eq: CondEQ, ssa.OpI64Ne: CondNE, ssa.OpI64LtS: CondLT, ssa.OpI64LtU: CondLO,
	ssa.OpI64GtS: CondGT, ssa.OpI64GtU: CondHI, ssa.OpI64LeS: CondLE, ssa.OpI64LeU: CondLS,
	ssa.OpI64GeS: CondGE, ssa.OpI64GeU: CondHS,
}

// Float compares: after fcmp, unordered sets C and V, so these conditions
// are all false on NaN except ne, as wasm wants.
var floatConds = map[ssa.Op]Cond{
	ssa.OpF32Eq: CondEQ, ssa.OpF32Ne: CondNE, ssa.OpF32Lt: CondMI, ssa.OpF32Gt: CondGT,
	ssa.OpF32Le: CondLS, ssa.OpF32Ge: CondGE,
	ssa.OpF64Eq: CondEQ, ssa.OpF64Ne: CondNE, ssa.OpF64Lt: CondMI, ssa.OpF64Gt: CondGT,
	ssa.OpF64Le: CondLS, ssa.OpF64Ge: CondGE,
}

// swapped is the condition for the operands exchanged.
func swapped(c Cond) Cond {
	switch c {
	case CondLT:
		return CondGT
	case CondGT:
		return CondLT
	case CondLE:
		return CondGE
	case CondGE:
		return CondLE
	case CondLO:
		return CondHI
	case CondHI:
		return CondLO
	case CondLS:
		return CondHS
	case CondHS:
		return CondLS
	}
	return c
}

// flags sets the flags from value id and returns the condition under which
// it is nonzero: compares are selected here, anything else is compared
// with zero.
func (s *isel) flags(id ssa.ID) Cond {
	v := s.f.Value(id)
	if !isCompare(v.Op) || !s.fused[id] && s.vreg[id] != 0 {
		s.emit(Instr{Op: OpCmp, Size: 4, Src: [3]Operand{R(s.use(id)), Imm(0)}})
		return CondNE
	}
	return s.compare(v)
}

// zeroTest returns, for a value that is a test against zero (eqz, or eq
// and ne with a zero constant, or any non-compare value), the register
// tested, its size, and whether the value is true when the register is
// zero.
func (s *isel) zeroTest(id ssa.ID) (r Reg, size uint8, ifZero bool, ok bool) {
	v := s.f.Value(id)
	if !isCompare(v.Op) || !s.fused[id] {
		return s.use(id), 4, false, true
	}
	switch v.Op {
	case ssa.OpI32Eqz:
		return s.use(v.Args[0]), 4, true, true
	case ssa.OpI64Eqz, ssa.OpRefIsNull:
		return s.use(v.Args[0]), 8, true, true
	}
	if c, isInt := intConds[v.Op]; isInt && (c == CondEQ || c == CondNE) {
		size := intSize(s.f.Value(v.Args[0]).Type)
		for k := 0; k < 2; k++ {
			if z, isK := s.constOf(v.Args[1-k]); isK && (z == 0 || size == 4 && int32(z) == 0) {
				return s.use(v.Args[k]), size, c == CondEQ, true
			}
		}
	}
	return 0, 0, false, false
}

// compare emits the compare of v and returns its condition.
func (s *isel) compare(v *ssa.Value) Cond {
	switch v.Op {
	case ssa.OpI32Eqz, ssa.OpI64Eqz, ssa.OpRefIsNull:
		size := uint8(8)
		if v.Op == ssa.OpI32Eqz {
			size = 4
		}
		s.emit(Instr{Op: OpCmp, Size: size, Src: [3]Operand{R(s.use(v.Args[0])), Imm(0)}})
		return CondEQ
	}
	if c, ok := intConds[v.Op]; ok {
		size := intSize(s.f.Value(v.Args[0]).Type)
		x, y := v.Args[0], v.Args[1]
		if _, ok := s.constOf(x); ok {
			x, y = y, x
			c = swapped(c)
		}
		if k, ok := s.constOf(y); ok {
			s.cmpImm(s.use(x), k, size)
			return c
		}
		s.emit(Instr{Op: OpCmp, Size: size, Src: [3]Operand{R(s.use(x)), R(s.use(y))}})
		return c
	}
	c := floatConds[v.Op]
	size := uint8(4)
	if s.f.Value(v.Args[0]).Type == ssa.TypeF64 {
		size = 8
	}
	s.emit(Instr{Op: OpFcmp, Size: size, Src: [3]Operand{R(s.use(v.Args[0])), R(s.use(v.Args[1]))}})
	return c
}

// setcc materialises a compare as 0 or 1.
func (s *isel) setcc(v *ssa.Value) {
	c := s.compare(v)
	s.emit(Instr{Op: OpCset, Size: 4, Cond: c, Dst: R(s.vr(v.ID))})
}

// condBranch ends the block with a branch on value id: cbz/cbnz for tests
// against zero, else a compare and b.cond.
func (s *isel) condBranch(id ssa.ID, t, f int32) {
	if r, size, ifZero, ok := s.zeroTest(id); ok {
		op := OpCbnz
		if ifZero {
			op = OpCbz
		}
		s.emit(Instr{Op: op, Size: size, Src: [3]Operand{R(r)}, Target: [2]int32{t, f}})
		return
	}
	s.bcond(s.flags(id), t, f)
}

// trapOn traps when value id is nonzero (or zero, when onZero).
func (s *isel) trapOn(id ssa.ID, onZero bool, v *ssa.Value) {
	kind := v.Trap()
	if r, size, ifZero, ok := s.zeroTest(id); ok {
		op := OpCbnz
		if ifZero != onZero {
			op = OpCbz
		}
		s.trapZero(op, r, size, kind, v.Pos)
		return
	}
	c := s.flags(id)
	if onZero {
		c = c.Invert()
	}
	s.trapIf(c, kind, v.Pos)
}

// sel selects select: csel for integers and references, fcsel for floats.
func (s *isel) sel(v *ssa.Value) {
	x, y := v.Args[0], v.Args[1]
	dst := s.vr(v.ID)
	if isFloatType(v.Type) {
		if v.Type == ssa.TypeV128 {
			// A mask of the condition in every lane (cset, neg, dup)
			// picks x or y with bsl.
			xr, yr := s.use(x), s.use(y)
			c := s.flags(v.Args[2])
			one, all, mask := s.tmp(false), s.tmp(false), s.vt()
			s.emit(Instr{Op: OpCset, Size: 8, Cond: c, Dst: R(one)})
			s.emit(Instr{Op: OpNeg, Size: 8, Dst: R(all), Src: [3]Operand{R(one)}})
			s.v(vinstr{"dup.2d", 0x4e000c00 | imm5(sz64, 0)}, mask, all, NoReg)
			s.vtied(vinstr{"bsl.16b", neon3(1, 1, 0b00011)}, dst, mask, xr, yr)
			return
		}
		xr, yr := s.use(x), s.use(y)
		c := s.flags(v.Args[2])
		s.emit(Instr{Op: OpFcsel, Size: floatSize(v.Type), Cond: c, Dst: R(dst), Src: [3]Operand{R(xr), R(yr)}})
		return
	}
	xr, yr := s.useZ(x), s.useZ(y)
	c := s.flags(v.Args[2])
	s.emit(Instr{Op: OpCsel, Size: intSize(v.Type), Cond: c, Dst: R(dst), Src: [3]Operand{R(xr), R(yr)}})
}

func intSize(t ssa.Type) uint8 {
	if t == ssa.TypeI32 {
		return 4
	}
	return 8
}

func floatSize(t ssa.Type) uint8 {
	if t == ssa.TypeF32 {
		return 4
	}
	return 8
}
