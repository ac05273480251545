package arm64

import (
	"fmt"

	"github.com/wasiaot/wasiaot/backend"
	"github.com/wasiaot/wasiaot/backend/internal/slab"
	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/runtime/trap"
)

// ModuleInfo and Error are the seam's (package backend).
type (
	ModuleInfo = backend.ModuleInfo
	Error      = backend.Error
)

// Features are the CPU features selected code may rely on. The code
// needs only the ARMv8.0-A base (with Advanced SIMD, which Linux
// requires), so no feature bits are defined yet.
type Features uint32

// Selector selects machine instructions for SSA functions of one module.
// It is not safe for concurrent use.
type Selector struct {
	mi *ModuleInfo
	// Used accumulates the CPU features of everything selected so far.
	Used Features
	s    isel
	slab instrSlab // instruction storage, reused from one function to the next
	// side holds the trap blocks: taken from slab, they would stop the
	// block being filled from growing in place.
	side instrSlab
}

// instrSlab is the selector's instruction storage (package slab).
type instrSlab = slab.Slab[Instr]

// NewSelector returns a selector for functions of the described module.
func NewSelector(mi *ModuleInfo) *Selector {
	return &Selector{mi: mi, side: instrSlab{First: 256}} // trap blocks are small
}

// Reset makes s select functions of the module mi.
func (s *Selector) Reset(mi *ModuleInfo) { s.mi, s.Used = mi, 0 }

// Select translates f into machine IR over virtual registers. f must be
// valid SSA; its predecessor lists are recomputed. The result shares
// storage with the next Select's: allocate and emit it before then.
func (s *Selector) Select(f *ssa.Func) (out *Func, err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(*Error); ok {
				out, err = nil, e
				return
			}
			panic(r)
		}
	}()
	s.s.reset(s.mi, f)
	s.slab.Reset()
	s.side.Reset()
	s.s.slab, s.s.side = &s.slab, &s.side
	s.s.run()
	s.Used |= s.s.used
	return s.s.out, nil
}

// isel holds the state of selecting one function.
type isel struct {
	mi   *ModuleInfo
	f    *ssa.Func
	out  *Func
	used Features

	blocks []*Block  // machine blocks by temporary id
	lists  [][]int32 // per SSA layout position: its machine blocks in order
	cold   []int32   // out-of-line blocks, laid out last
	head   []int32   // per SSA block ID: its first machine block
	depth  []int32   // per SSA block ID: loop depth
	header []bool    // per SSA block ID: loop header
	pos    int
	cur    int32
	vreg   []Reg   // per SSA value: its virtual register, 0 if none yet
	uses   []int32 // per SSA value: number of uses
	fused  []bool  // per SSA value: selected at its single use
	tuples map[ssa.ID][]Reg
	curBlk *ssa.Block
	resPtr Reg

	// Per machine block caches, dropped when a new block starts.
	membase Reg
	addrs   map[ssa.ID]Reg // per index value: membase + the zero-extended index
	pages   map[uint32]Reg // per 4 KiB page of the module area: x26 + its offset
	consts  map[ssa.ID]Reg

	// Storage kept from one function to the next.
	slab        *instrSlab // instruction storage, owned by the Selector
	side        *instrSlab // trap block storage, owned by the Selector
	blockChunks [][]Block
	nblk        int // Blocks handed out from blockChunks
	rpoBuf      ssa.OrderBuf
	order       []int32 // layout's block order
	index       []int32 // layout's new index per block
	preds       []int32 // layout's predecessor counts
	loopOrder   []int   // loops' reverse postorder numbers
	loopMark    []int
	loopWork    []ssa.BlockID
	splitAt     map[int32]int32
}

// reset prepares s for selecting f, keeping the storage of the slices
// and maps it grew for earlier functions.
func (s *isel) reset(mi *ModuleInfo, f *ssa.Func) {
	clear(s.tuples)
	clear(s.consts)
	clear(s.addrs)
	clear(s.pages)
	clear(s.blocks)
	*s = isel{
		mi: mi, f: f, out: &Func{Name: f.Name, CoalesceCopies: f.Threaded},
		blocks: s.blocks[:0], lists: s.lists, cold: s.cold[:0],
		head: s.head, depth: s.depth, header: s.header,
		vreg: s.vreg, uses: s.uses, fused: s.fused,
		tuples: s.tuples, consts: s.consts, addrs: s.addrs, pages: s.pages,
		blockChunks: s.blockChunks, rpoBuf: s.rpoBuf, order: s.order, index: s.index,
		preds: s.preds, loopOrder: s.loopOrder, loopMark: s.loopMark, loopWork: s.loopWork,
		splitAt: s.splitAt,
	}
	if s.tuples == nil {
		s.tuples, s.consts, s.addrs, s.pages = map[ssa.ID][]Reg{}, map[ssa.ID]Reg{}, map[ssa.ID]Reg{}, map[uint32]Reg{}
	}
}

// blockChunk is how many Blocks are allocated at once.
const blockChunk = 64

// zeroed returns b resized to n zero elements, reusing its storage.
func zeroed[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n)
	}
	b = b[:n]
	clear(b)
	return b
}

func (s *isel) fail(pos int32, format string, args ...any) {
	panic(&Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

func (s *isel) notSupported(pos int32, format string, args ...any) {
	s.fail(pos, "not supported: "+format, args...)
}

func (s *isel) newBlock(depth int32) int32 {
	// Blocks come from chunks: they are many and small, and a
	// function's blocks die together.
	if s.nblk%blockChunk == 0 && s.nblk/blockChunk == len(s.blockChunks) {
		s.blockChunks = append(s.blockChunks, make([]Block, blockChunk))
	}
	blk := &s.blockChunks[s.nblk/blockChunk][s.nblk%blockChunk]
	s.nblk++
	*blk = Block{LoopDepth: depth}
	s.blocks = append(s.blocks, blk)
	return int32(len(s.blocks) - 1)
}

// inline creates a block laid out with the current SSA block.
func (s *isel) inline() int32 {
	b := s.newBlock(s.depth[s.curBlk.ID])
	s.lists[s.pos] = append(s.lists[s.pos], b)
	return b
}

// coldBlock creates a block laid out after all others.
func (s *isel) coldBlock() int32 {
	b := s.newBlock(0)
	s.cold = append(s.cold, b)
	return b
}

// switchTo makes b the block instructions go to.
func (s *isel) switchTo(b int32) {
	s.leave(b)
	s.cur = b
	s.dropMemory()
	clear(s.consts)
	clear(s.pages)
}

// leave gives the storage the current block does not use back to the
// slab before instructions go to block b.
func (s *isel) leave(b int32) {
	if int(s.cur) < len(s.blocks) && s.cur != b {
		blk := s.blocks[s.cur]
		blk.Instrs = s.slab.Trim(blk.Instrs)
	}
}

func (s *isel) emit(in Instr) {
	if in.Func == 0 && in.Op != OpCall {
		in.Func = -1
	}
	s.addTo(s.blocks[s.cur], in)
}

// addTo appends in to blk, growing it within the slab rather than on the
// heap.
func (s *isel) addTo(blk *Block, in Instr) {
	if len(blk.Instrs) == cap(blk.Instrs) {
		blk.Instrs = s.slab.Grow(blk.Instrs, 1)
	}
	blk.Instrs = append(blk.Instrs, in)
}

func (s *isel) jmp(t int32) { s.emit(Instr{Op: OpB, Target: [2]int32{t}}) }

func (s *isel) bcond(c Cond, t, f int32) {
	s.emit(Instr{Op: OpBcond, Cond: c, Target: [2]int32{t, f}})
}

// after creates a block laid out right after block b.
func (s *isel) after(b int32) int32 {
	n := s.newBlock(s.depth[s.curBlk.ID])
	l := s.lists[s.pos]
	for i, x := range l {
		if x == b {
			l = append(l, 0)
			copy(l[i+2:], l[i+1:])
			l[i+1] = n
			s.lists[s.pos] = l
			return n
		}
	}
	s.lists[s.pos] = append(l, n)
	return n
}

// branch ends the current block with a conditional branch and continues
// in a new inline block on the false side. The fall-through block has no
// other predecessor, so what the current block cached stays valid.
func (s *isel) branch(c Cond, t int32) {
	next := s.after(s.cur)
	s.bcond(c, t, next)
	// The fall-through block has no other predecessor, so what the
	// current block cached stays valid.
	s.leave(next)
	s.cur = next
}

// branchZero is branch on a register being zero (cbz) or not (cbnz).
func (s *isel) branchZero(op Op, r Reg, size uint8, t int32) {
	next := s.after(s.cur)
	s.emit(Instr{Op: op, Size: size, Src: [3]Operand{R(r)}, Target: [2]int32{t, next}})
	s.leave(next)
	s.cur = next
}

func (s *isel) trapBlock(kind trap.Kind, pos int32) int32 {
	t := s.coldBlock()
	s.blocks[t].Instrs = append(s.side.Take(1), Instr{Op: OpTrap, Trap: uint32(kind), Pos: pos, Func: -1})
	return t
}

// trapIf traps with kind when c holds, continuing in a new block.
func (s *isel) trapIf(c Cond, kind trap.Kind, pos int32) {
	s.branch(c, s.trapBlock(kind, pos))
}

// trapZero traps with kind when r is zero (op OpCbz) or nonzero (OpCbnz).
func (s *isel) trapZero(op Op, r Reg, size uint8, kind trap.Kind, pos int32) {
	s.branchZero(op, r, size, s.trapBlock(kind, pos))
}

func isFloatType(t ssa.Type) bool { return backend.IsFloatType(t) }

// vr returns v's virtual register, creating it on first use.
func (s *isel) vr(id ssa.ID) Reg {
	if r := s.vreg[id]; r != 0 {
		return r
	}
	r := s.out.NewVReg(isFloatType(s.f.Value(id).Type))
	s.vreg[id] = r
	return r
}

func (s *isel) tmp(float bool) Reg { return s.out.NewVReg(float) }

func (s *isel) run() {
	f := s.f
	f.ComputePreds()
	rpo := f.ReversePostorderBuf(&s.rpoBuf)
	nb := f.NumBlocks()
	s.head = zeroed(s.head, nb)
	s.depth = zeroed(s.depth, nb)
	s.header = zeroed(s.header, nb)
	s.vreg = zeroed(s.vreg, f.NumValues())
	s.uses = zeroed(s.uses, f.NumValues())
	s.fused = zeroed(s.fused, f.NumValues())
	s.loops(rpo)
	s.countUses(rpo)
	if cap(s.lists) < len(rpo) {
		s.lists = append(s.lists[:cap(s.lists)], make([][]int32, len(rpo)-cap(s.lists))...)
	}
	s.lists = s.lists[:len(rpo)] // the lists' storage is reused too
	for i, b := range rpo {
		s.head[b.ID] = s.newBlock(s.depth[b.ID])
		s.lists[i] = append(s.lists[i][:0], s.head[b.ID])
	}
	// No polls: preemption and interruption are asynchronous (a signal
	// stops generated code at any instruction, docs/abi.md), so loops and
	// function entries carry no check.
	for i, b := range rpo {
		s.pos, s.curBlk = i, b
		s.switchTo(s.head[b.ID])
		// Storage is taken when the block is filled, so that it is the
		// slab's newest and grows in place.
		head := s.blocks[s.head[b.ID]]
		head.Instrs = s.slab.Grow(head.Instrs, len(b.Instrs)+len(b.Params)+8)
		if i == 0 {
			s.params(b)
		}
		for _, id := range b.Instrs {
			if !s.fused[id] {
				s.value(f.Value(id))
			}
		}
		s.term(b)
	}
	s.layout()
}

// loops finds loop headers and loop depths as the amd64 selector does:
// the target of every retreating edge in reverse postorder is a header.
func (s *isel) loops(rpo []*ssa.Block) {
	s.loopOrder = zeroed(s.loopOrder, s.f.NumBlocks())
	order := s.loopOrder
	for i, b := range rpo {
		order[b.ID] = i
	}
	s.loopMark = zeroed(s.loopMark, s.f.NumBlocks())
	mark := s.loopMark
	gen := 0
	for _, h := range rpo {
		work := s.loopWork[:0]
		for _, p := range h.Preds {
			if order[p] >= order[h.ID] && s.f.Block(p) != nil {
				work = append(work, p)
			}
		}
		if len(work) == 0 {
			continue
		}
		s.header[h.ID] = true
		gen++
		mark[h.ID] = gen
		s.depth[h.ID]++
		for len(work) > 0 {
			b := work[len(work)-1]
			work = work[:len(work)-1]
			if mark[b] == gen {
				continue
			}
			mark[b] = gen
			s.depth[b]++
			for _, p := range s.f.Block(b).Preds {
				if order[p] > order[h.ID] {
					work = append(work, p)
				}
			}
		}
		s.loopWork = work
	}
}

// countUses counts the uses of every value and decides which values are
// selected at their single use: compares into branches, selects and
// traps; shifts by a constant into the shifted-register operand of an
// ALU op; multiplies into madd/msub.
func (s *isel) countUses(rpo []*ssa.Block) {
	f := s.f
	for _, b := range rpo {
		for _, id := range b.Instrs {
			for _, a := range f.Value(id).Args {
				s.uses[a]++
			}
		}
		for _, a := range b.Controls {
			s.uses[a]++
		}
		for _, e := range b.Succs {
			for _, a := range e.Args {
				s.uses[a]++
			}
		}
	}
	single := func(a ssa.ID, b *ssa.Block) bool {
		return s.uses[a] == 1 && f.Value(a).Block == b.ID
	}
	for _, b := range rpo {
		for _, id := range b.Instrs {
			v := f.Value(id)
			switch v.Op {
			case ssa.OpSelect:
				if single(v.Args[2], b) && isCompare(f.Value(v.Args[2]).Op) {
					s.fused[v.Args[2]] = true
				}
			case ssa.OpTrapz, ssa.OpTrapnz:
				if single(v.Args[0], b) && isCompare(f.Value(v.Args[0]).Op) {
					s.fused[v.Args[0]] = true
				}
			case ssa.OpI32Add, ssa.OpI64Add, ssa.OpI32Sub, ssa.OpI64Sub,
				ssa.OpI32And, ssa.OpI64And, ssa.OpI32Or, ssa.OpI64Or, ssa.OpI32Xor, ssa.OpI64Xor:
				add := v.Op == ssa.OpI32Add || v.Op == ssa.OpI64Add
				sub := v.Op == ssa.OpI32Sub || v.Op == ssa.OpI64Sub
				for k, a := range v.Args {
					if k == 0 && sub || !single(a, b) {
						continue
					}
					w := f.Value(a)
					if s.constShift(w) {
						s.fused[a] = true
						break
					}
					if (add || sub) && (w.Op == ssa.OpI32Mul || w.Op == ssa.OpI64Mul) {
						s.fused[a] = true
						break
					}
				}
			}
		}
		if b.Term == ssa.OpBrIf && single(b.Controls[0], b) && isCompare(f.Value(b.Controls[0]).Op) {
			s.fused[b.Controls[0]] = true
		}
	}
}

// constShift reports whether v is a shift by a constant, which an ALU
// op can take as its shifted second operand.
func (s *isel) constShift(v *ssa.Value) bool {
	switch v.Op {
	case ssa.OpI32Shl, ssa.OpI64Shl, ssa.OpI32ShrU, ssa.OpI64ShrU, ssa.OpI32ShrS, ssa.OpI64ShrS:
		_, ok := s.constOf(v.Args[1])
		return ok
	}
	return false
}

// constOf returns the value of an integer constant.
func (s *isel) constOf(id ssa.ID) (int64, bool) {
	v := s.f.Value(id)
	switch v.Op {
	case ssa.OpI32Const:
		return int64(int32(v.Aux)), true
	case ssa.OpI64Const:
		return v.Aux, true
	case ssa.OpRefNull:
		return 0, true
	}
	return 0, false
}

// term selects the terminator of b.
func (s *isel) term(b *ssa.Block) {
	switch b.Term {
	case ssa.OpJump:
		s.edgeCopies(b.Succs[0])
		s.jmp(s.head[b.Succs[0].Block])
	case ssa.OpBrIf:
		t, f := s.edgeTarget(b.Succs[0]), s.edgeTarget(b.Succs[1])
		s.condBranch(b.Controls[0], t, f)
	case ssa.OpBrTable:
		s.brTable(b)
	case ssa.OpReturn:
		regs, _ := inRegs(&s.f.Sig)
		var args []Reg
		for i, a := range b.Controls {
			if i < len(regs) && !regs[i] {
				s.storeTyped(areaSlot(s.resPtr, s.f.Sig.Results, 0, i), s.f.Value(a).Type, a)
				continue
			}
			args = append(args, s.use(a))
		}
		s.emit(Instr{Op: OpRet, Args: args})
	case ssa.OpTrap:
		s.emit(Instr{Op: OpTrap, Trap: uint32(b.Aux), Pos: b.Pos})
	default:
		s.fail(b.Pos, "arm64: unknown terminator %v", b.Term)
	}
}

// edgeTarget returns the machine block that takes edge e: the target's
// head, or a new block with the parameter copies.
func (s *isel) edgeTarget(e ssa.Edge) int32 {
	if len(e.Args) == 0 {
		return s.head[e.Block]
	}
	saved := s.cur
	b := s.inline()
	s.switchTo(b)
	s.edgeCopies(e)
	s.jmp(s.head[e.Block])
	s.switchTo(saved)
	return b
}

type edgeCopy struct {
	dst  ssa.ID
	arg  ssa.ID
	from Reg // NoReg: the argument's own register (or constant)
}

// edgeCopies moves the edge's arguments into the target's parameters as a
// parallel copy, sequentialised; a cycle is broken with a temporary.
func (s *isel) edgeCopies(e ssa.Edge) {
	if len(e.Args) == 0 {
		return
	}
	params := s.f.Block(e.Block).Params
	var pending []edgeCopy
	for i, a := range e.Args {
		if a != params[i] {
			pending = append(pending, edgeCopy{dst: params[i], arg: a, from: NoReg})
		}
	}
	reads := func(p ssa.ID, k int) bool {
		for j, c := range pending {
			if j != k && c.arg == p && c.from == NoReg {
				return true
			}
		}
		return false
	}
	for len(pending) > 0 {
		progress := false
		for k := 0; k < len(pending); k++ {
			c := pending[k]
			if reads(c.dst, k) {
				continue
			}
			if c.from != NoReg {
				s.copyReg(s.vr(c.dst), c.from)
			} else {
				s.moveValue(s.vr(c.dst), c.arg)
			}
			pending = append(pending[:k], pending[k+1:]...)
			k--
			progress = true
		}
		if progress {
			continue
		}
		p := pending[0].dst
		t := s.tmp(isFloatType(s.f.Value(p).Type))
		s.copyReg(t, s.vr(p))
		for j := range pending {
			if pending[j].arg == p && pending[j].from == NoReg {
				pending[j].from = t
			}
		}
	}
}

func (s *isel) copyReg(dst, src Reg) {
	if s.out.VRegFloat[dst.VReg()] {
		s.emit(Instr{Op: OpFmov, Size: 8, Dst: R(dst), Src: [3]Operand{R(src)}})
	} else {
		s.emit(Instr{Op: OpMov, Size: 8, Dst: R(dst), Src: [3]Operand{R(src)}})
	}
}

// moveValue sets dst to value a, materialising constants directly.
func (s *isel) moveValue(dst Reg, a ssa.ID) {
	v := s.f.Value(a)
	if isConst(v) {
		s.materialize(dst, v)
		return
	}
	s.copyReg(dst, s.vr(a))
}

func isConst(v *ssa.Value) bool {
	switch v.Op {
	case ssa.OpI32Const, ssa.OpI64Const, ssa.OpF32Const, ssa.OpF64Const, ssa.OpRefNull, ssa.OpV128Const:
		return true
	}
	return false
}

// use returns a register holding value a: constants are materialised
// once per block, everything else has its own register.
func (s *isel) use(a ssa.ID) Reg {
	v := s.f.Value(a)
	if isConst(v) {
		if r, ok := s.consts[a]; ok {
			return r
		}
		r := s.tmp(isFloatType(v.Type))
		s.materialize(r, v)
		s.consts[a] = r
		return r
	}
	if s.fused[a] {
		s.fail(v.Pos, "arm64: internal error: fused v%d used as a register", a)
	}
	return s.vr(a)
}

// useZ is use for operand positions that encode register 31 as the zero
// register (stored values, csel operands, the second operand of compares
// and ALU ops): a zero constant needs no register there.
func (s *isel) useZ(a ssa.ID) Reg {
	v := s.f.Value(a)
	switch v.Op {
	case ssa.OpI32Const, ssa.OpI64Const, ssa.OpRefNull:
		if v.Aux == 0 || v.Op == ssa.OpRefNull || v.Op == ssa.OpI32Const && int32(v.Aux) == 0 {
			return ZR
		}
	}
	return s.use(a)
}

func (s *isel) materialize(dst Reg, v *ssa.Value) {
	switch v.Op {
	case ssa.OpI32Const:
		s.movImm(dst, int64(uint32(v.Aux)), 4)
	case ssa.OpI64Const:
		s.movImm(dst, v.Aux, 8)
	case ssa.OpRefNull:
		s.movImm(dst, 0, 8)
	case ssa.OpF32Const:
		s.emit(Instr{Op: OpFmovImm, Size: 4, Dst: R(dst), Src: [3]Operand{Imm(int64(uint32(v.Aux)))}})
	case ssa.OpF64Const:
		s.emit(Instr{Op: OpFmovImm, Size: 8, Dst: R(dst), Src: [3]Operand{Imm(v.Aux)}})
	case ssa.OpV128Const:
		s.emit(Instr{Op: OpFmovImm, Size: 16, Dst: R(dst), Src: [3]Operand{Imm(v.Aux), Imm(v.Aux2)}})
	}
}

func (s *isel) movImm(dst Reg, v int64, size uint8) {
	if size == 8 && uint64(v) <= 0xffff_ffff {
		size = 4 // writing a W register zero-extends
	}
	s.emit(Instr{Op: OpMovImm, Size: size, Dst: R(dst), Src: [3]Operand{Imm(v)}})
}

// constReg returns a register holding the constant v.
func (s *isel) constReg(v int64, size uint8) Reg {
	r := s.tmp(false)
	s.movImm(r, v, size)
	return r
}
