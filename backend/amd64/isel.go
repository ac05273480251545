package amd64

import (
	"fmt"
	"math"
	"slices"

	"github.com/wasiaot/wasiaot/backend"
	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/runtime/abi"
	"github.com/wasiaot/wasiaot/runtime/trap"
)

// ModuleInfo and Error are the seam's (package backend).
type (
	ModuleInfo = backend.ModuleInfo
	Error      = backend.Error
)

// Features are the CPU features selected code may rely on.
type Features uint32

const (
	FeatLZCNT Features = 1 << iota
	FeatBMI1
	FeatPOPCNT
	FeatSSE41
	FeatSSE42
	FeatAVX  // VEX encodings of every SSE instruction (vex.go)
	FeatAVX2 // vpbroadcast
	FeatBMI2 // shlx, shrx, sarx, rorx
)

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

// NewSelector returns a selector for functions of the described module.
func NewSelector(mi *ModuleInfo) *Selector {
	return &Selector{mi: mi, side: instrSlab{First: 256}} // trap blocks are small
}

// Reset makes s select functions of the module mi, as NewSelector(mi)
// would, keeping the storage it has grown.
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
	if s.s.out.VEX {
		// Every instruction on a vector register is a VEX one.
		for _, fl := range s.s.out.VRegFloat {
			if fl {
				s.s.used |= FeatAVX
				break
			}
		}
	}
	s.Used |= s.s.used
	return s.s.out, nil
}

// has reports whether code may use every feature of f.
func (s *isel) has(f Features) bool { return s.allowed&f == f }

// take returns an empty instruction slice with room for n, carved from
// the slab (appending beyond n moves it to the heap).
func (s *isel) take(n int) []Instr { return s.slab.Take(n) }

// isel holds the state of selecting one function.
type isel struct {
	mi   *ModuleInfo
	f    *ssa.Func
	out  *Func
	used Features
	// allowed are the features code may use (ModuleInfo.CPU).
	allowed Features

	blocks []*Block  // machine blocks by temporary id
	lists  [][]int32 // per SSA layout position: its machine blocks in order
	cold   []int32   // out-of-line blocks, laid out last
	head   []int32   // per SSA block ID: its first machine block
	depth  []int32   // per SSA block ID: loop depth
	header []bool    // per SSA block ID: loop header
	pos    int       // current SSA layout position
	cur    int32     // current machine block
	vreg   []Reg     // per SSA value: its virtual register, 0 if none yet
	uses   []int32   // per SSA value: number of uses
	fused  []bool    // per SSA value: selected at its single use
	folded []bool    // per SSA value: a load that is its user's memory operand
	tuples map[ssa.ID][]Reg
	curBlk *ssa.Block
	slab   *instrSlab // instruction storage, owned by the Selector
	side   *instrSlab // trap block storage, owned by the Selector
	resPtr Reg        // the results area of a function with results beyond registers

	// membase holds the base of memory 0, loaded once in the entry block:
	// the base never moves while the function runs (memory.grow only
	// changes protection within the reservation, docs/abi.md), so one
	// value serves every access and the allocator decides where it lives.
	// The load is inserted at the end, at baseAt of block baseBlk (where
	// the entry's parameters end), if anything used membase.
	membase Reg
	baseBlk int32
	baseAt  int

	// Per machine block caches, dropped when a new block starts.
	consts  map[ssa.ID]Reg // constants materialised in the current block
	fconsts map[[3]uint64]int32

	// Storage kept from one function to the next.
	blockChunks [][]Block
	nblk        int          // Blocks handed out from blockChunks
	rpoBuf      ssa.OrderBuf // reverse postorder
	copies      []edgeCopy   // edgeCopies' pending copies
	order       []int32      // layout's block order
	splitAt     map[int32]int32
}

// reset prepares s for selecting f, keeping the storage of the slices
// and maps it grew for earlier functions.
func (s *isel) reset(mi *ModuleInfo, f *ssa.Func) {
	clear(s.tuples)
	clear(s.consts)
	clear(s.fconsts)
	clear(s.blocks)
	*s = isel{
		mi: mi, f: f, out: &Func{Name: f.Name, CoalesceCopies: f.Threaded},
		blocks: s.blocks[:0], lists: s.lists, cold: s.cold[:0],
		head: s.head, depth: s.depth, header: s.header,
		vreg: s.vreg, uses: s.uses, fused: s.fused, folded: s.folded,
		tuples: s.tuples, consts: s.consts, fconsts: s.fconsts,
		rpoBuf: s.rpoBuf, copies: s.copies, order: s.order, splitAt: s.splitAt,
		blockChunks: s.blockChunks,
	}
	s.membase = NoReg
	if mi != nil {
		s.allowed = allowedFeatures(mi.CPU)
	} else {
		s.allowed = allowedFeatures(0)
	}
	s.out.VEX = s.has(FeatAVX)
	if s.tuples == nil {
		s.tuples, s.consts, s.fconsts = map[ssa.ID][]Reg{}, map[ssa.ID]Reg{}, map[[3]uint64]int32{}
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

// newBlock starts a machine block without placing it in the layout.
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
	clear(s.consts)
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
	s.addTo(s.blocks[s.cur], normalized(in))
}

// normalized fills in the fields whose zero value means something else.
func normalized(in Instr) Instr {
	if in.Func == 0 && in.Op != OpCall {
		in.Func = -1
	}
	if in.Dst2 == 0 && in.Op != OpDiv && in.Op != OpIdiv {
		in.Dst2 = NoReg
	}
	return in
}

// addTo appends in to blk, growing it within the slab rather than on the
// heap.
func (s *isel) addTo(blk *Block, in Instr) {
	if len(blk.Instrs) == cap(blk.Instrs) {
		blk.Instrs = s.slab.Grow(blk.Instrs, 1)
	}
	blk.Instrs = append(blk.Instrs, in)
}

func (s *isel) jmp(t int32) { s.emit(Instr{Op: OpJmp, Target: [2]int32{t}}) }

func (s *isel) jcc(c Cond, t, f int32) {
	s.emit(Instr{Op: OpJcc, Cond: c, Target: [2]int32{t, f}})
}

// branch ends the current block with a jcc and continues in a new inline
// block on the false side.
func (s *isel) branch(c Cond, t int32) {
	next := s.after(s.cur)
	s.jcc(c, t, next)
	// The fall-through block has no other predecessor, so what the
	// current block cached stays valid.
	s.leave(next)
	s.cur = next
}

// after creates a block laid out right after block b, so that the fall
// through of a branch follows it.
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

// trapIf traps with kind when c holds, continuing in a new block.
func (s *isel) trapIf(c Cond, kind trap.Kind, pos int32) {
	t := s.coldBlock()
	s.blocks[t].Instrs = append(s.side.Take(1), Instr{Op: OpTrap, Trap: uint32(kind), Pos: pos, Func: -1, Dst2: NoReg})
	s.branch(c, t)
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
	s.folded = zeroed(s.folded, f.NumValues())
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
			s.baseBlk, s.baseAt = s.cur, len(s.blocks[s.cur].Instrs)
		}
		for _, id := range b.Instrs {
			if !s.fused[id] && !s.folded[id] {
				s.value(f.Value(id))
			}
		}
		s.term(b)
	}
	if s.membase != NoReg {
		// The load goes where the entry's parameters end, which
		// dominates every use.
		blk := s.blocks[s.baseBlk]
		if len(blk.Instrs) == cap(blk.Instrs) {
			blk.Instrs = s.slab.Grow(blk.Instrs, 1)
		}
		load := normalized(Instr{Op: OpMov, Size: 8, Dst: R(s.membase), Src: [3]Operand{vmctx(abi.VMCtxMemoryBase)}})
		blk.Instrs = slices.Insert(blk.Instrs, s.baseAt, load)
	}
	s.layout()
}

// loops finds loop headers and the loop depth of every block: the target
// of every retreating edge in reverse postorder is a header (every cycle
// has such an edge, so polling at headers polls on every cycle), and its
// loop is the blocks after it in that order that reach the edge without
// passing it. For reducible control flow these are the natural loops;
// threaded dispatch loops (see lower/dispatch.go) can make cycles with
// several entries, whose blocks before the header are left out.
func (s *isel) loops(rpo []*ssa.Block) {
	order := make([]int, s.f.NumBlocks())
	for i, b := range rpo {
		order[b.ID] = i
	}
	mark := make([]int, s.f.NumBlocks())
	gen := 0
	for _, h := range rpo {
		var work []ssa.BlockID
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
				// A block before the header in reverse postorder is not
				// in its loop: the walk got there through another way
				// into an irreducible cycle, and would otherwise climb
				// all the way to the entry.
				if order[p] > order[h.ID] {
					work = append(work, p)
				}
			}
		}
	}
}

// countUses counts the uses of every value and decides which compares
// and shifts are selected at their single use.
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
	fusible := func(a ssa.ID, b *ssa.Block) bool {
		v := f.Value(a)
		return s.uses[a] == 1 && v.Block == b.ID && isCompare(v.Op)
	}
	for _, b := range rpo {
		for _, id := range b.Instrs {
			v := f.Value(id)
			switch v.Op {
			case ssa.OpSelect:
				if !isFloatType(v.Type) && fusible(v.Args[2], b) {
					s.fused[v.Args[2]] = true
				}
			case ssa.OpTrapz, ssa.OpTrapnz:
				if fusible(v.Args[0], b) {
					s.fused[v.Args[0]] = true
				}
			case ssa.OpI32And, ssa.OpI64And:
				// and(x, xor(y, -1)) is BMI1's andn: the not is fused.
				if s.has(FeatBMI1) {
					for _, a := range v.Args {
						if s.uses[a] == 1 && f.Value(a).Block == b.ID && s.notOf(a) != 0 {
							s.fused[a] = true
							break
						}
					}
				}
			case ssa.OpI32Add, ssa.OpI64Add:
				for _, a := range v.Args {
					if sh := f.Value(a); s.uses[a] == 1 && sh.Block == b.ID && s.scaleShift(sh) != 0 {
						s.fused[a] = true
						break
					}
				}
			}
		}
		if b.Term == ssa.OpBrIf && fusible(b.Controls[0], b) {
			s.fused[b.Controls[0]] = true
		}
		s.fuseTests(b)
		s.fuseAddresses(b)
		s.foldLoads(b)
		s.foldNarrow(b)
	}
}

// fuseTests marks the ands of b whose only use is a test against zero
// (a branch, select or trap on the value, eqz, or eq/ne with 0): they
// become test x, y at that use, and their result needs no register.
func (s *isel) fuseTests(b *ssa.Block) {
	f := s.f
	mark := func(a ssa.ID) {
		v := f.Value(a)
		if (v.Op != ssa.OpI32And && v.Op != ssa.OpI64And) || s.uses[a] != 1 || v.Block != b.ID ||
			s.fused[a] || s.fused[v.Args[0]] || s.fused[v.Args[1]] {
			return
		}
		s.fused[a] = true
	}
	for _, id := range b.Instrs {
		v := f.Value(id)
		switch v.Op {
		case ssa.OpI32Eqz, ssa.OpI64Eqz, ssa.OpTrapz, ssa.OpTrapnz:
			mark(v.Args[0])
		case ssa.OpSelect:
			if !isFloatType(v.Type) {
				mark(v.Args[2])
			}
		case ssa.OpI32Eq, ssa.OpI32Ne, ssa.OpI64Eq, ssa.OpI64Ne:
			for k, a := range v.Args {
				if c, ok := s.constOf(a); ok && c == 0 {
					mark(v.Args[1-k])
					break
				}
			}
		}
	}
	if b.Term == ssa.OpBrIf {
		mark(b.Controls[0])
	}
}

// notOf returns y if value id is xor(y, -1) (or xor(-1, y)), else 0.
func (s *isel) notOf(id ssa.ID) ssa.ID {
	v := s.f.Value(id)
	if v.Op != ssa.OpI32Xor && v.Op != ssa.OpI64Xor {
		return 0
	}
	size := intSize(v.Type)
	for k, a := range v.Args {
		if c, ok := s.constOf(a); ok && (c == -1 || size == 4 && int32(c) == -1) {
			return v.Args[1-k]
		}
	}
	return 0
}

// foldLoads marks loads that become the memory operand of their single
// user: an integer ALU op or compare of the load's width later in the
// same block with only pure values in between, so no store, call or trap
// moves across the load.
func (s *isel) foldLoads(b *ssa.Block) {
	f := s.f
	for i, id := range b.Instrs {
		v := f.Value(id)
		if !foldingUser(v.Op) || s.fused[id] || s.fused[v.Args[0]] || s.fused[v.Args[1]] {
			// A fused compare is selected later, at its user; an add
			// of a fused shift becomes a lea.
			continue
		}
		for k := len(v.Args) - 1; k >= 0; k-- {
			a := v.Args[k]
			l := f.Value(a)
			if s.uses[a] != 1 || l.Block != b.ID || (l.Op != ssa.OpI32Load && l.Op != ssa.OpI64Load) ||
				l.Type != f.Value(v.Args[0]).Type || (k == 0 && !v.Op.Info().Commutative && !isCompare(v.Op)) {
				continue
			}
			ok := false
			for j := i - 1; j >= 0; j-- {
				w := f.Value(b.Instrs[j])
				if w.ID == a {
					ok = true
					break
				}
				if !w.Op.IsPure() {
					break
				}
			}
			if ok {
				s.folded[a] = true
				break
			}
		}
	}
}

// foldNarrow marks loads whose single user compares them with a constant
// that fits the load's width (and an immediate), or is an and that
// fuseTests marked with such a mask: the user reads memory directly
// (cmp byte [m], 0x45; test byte [m], 0xf; cmp dword [m], 7 before a
// branch, which foldLoads leaves alone). The user may be selected as late
// as b's terminator, so everything after the load must be pure.
func (s *isel) foldNarrow(b *ssa.Block) {
	f := s.f
	for i, id := range b.Instrs {
		v := f.Value(id)
		_, cmp := intConds[v.Op]
		if !cmp && !((v.Op == ssa.OpI32And || v.Op == ssa.OpI64And) && s.fused[id]) {
			continue
		}
		l, ok := s.narrowOperand(v, i)
		if !ok {
			continue
		}
		pure := true
		for _, w := range b.Instrs[i+1:] {
			if !f.Value(w).Op.IsPure() {
				pure = false
				break
			}
		}
		if pure {
			s.folded[l] = true
		}
	}
}

// narrowOperand returns the operand of v (at index i of its block) that
// is a byte or halfword load of the block, used once, with only pure
// values between it and v, when v's other operand is a constant that
// fits the load's width.
func (s *isel) narrowOperand(v *ssa.Value, i int) (ssa.ID, bool) {
	f := s.f
	for k, l := range v.Args {
		c, ok := s.constOf(v.Args[1-k])
		w := narrowWidth(f.Value(l).Op)
		if !ok || w == 0 || w < 4 && uint64(c) >= 1<<(8*w) || c != int64(int32(c)) ||
			s.uses[l] != 1 || f.Value(l).Block != v.Block || s.folded[l] {
			continue
		}
		b := f.Block(v.Block)
		for j := i - 1; j >= 0; j-- {
			if b.Instrs[j] == l {
				return l, true
			}
			if !f.Value(b.Instrs[j]).Op.IsPure() {
				break
			}
		}
	}
	return 0, false
}

// narrowWidth is the width in bytes of a load that foldNarrow may fold,
// or 0: the zero-extending byte and halfword loads, and the loads of a
// whole i32 or i64.
func narrowWidth(op ssa.Op) uint8 {
	switch op {
	case ssa.OpI32Load8U:
		return 1
	case ssa.OpI32Load16U:
		return 2
	case ssa.OpI32Load:
		return 4
	case ssa.OpI64Load:
		return 8
	}
	return 0
}

// narrowMem returns the memory operand, width and position of a folded
// load among v's operands, when the other operand is a constant (which
// foldNarrow, or foldLoads for a compare, checked fits an immediate), and
// whether the load is the second operand.
func (s *isel) narrowMem(v *ssa.Value) (m Operand, size uint8, pos int32, c int64, swap, ok bool) {
	for k, l := range v.Args {
		c, isConst := s.constOf(v.Args[1-k])
		if w := narrowWidth(s.f.Value(l).Op); w != 0 && s.folded[l] && isConst && c == int64(int32(c)) {
			lv := s.f.Value(l)
			return M(s.address(lv)), w, lv.Pos, c, k == 1, true
		}
	}
	return Operand{}, 0, 0, 0, false, false
}

func foldingUser(op ssa.Op) bool {
	switch op {
	case ssa.OpI32Add, ssa.OpI32Sub, ssa.OpI32And, ssa.OpI32Or, ssa.OpI32Xor, ssa.OpI32Mul,
		ssa.OpI64Add, ssa.OpI64Sub, ssa.OpI64And, ssa.OpI64Or, ssa.OpI64Xor, ssa.OpI64Mul:
		return true
	}
	return op >= ssa.OpI32Eq && op <= ssa.OpI64GeU
}

// scaleShift returns the scale 2, 4 or 8 when v is a left shift by 1, 2
// or 3 that an addressing mode can absorb, else 0.
func (s *isel) scaleShift(v *ssa.Value) uint8 {
	if v.Op != ssa.OpI32Shl && v.Op != ssa.OpI64Shl {
		return 0
	}
	c, ok := s.constOf(v.Args[1])
	if !ok {
		return 0
	}
	switch c & 63 {
	case 1:
		return 2
	case 2:
		return 4
	case 3:
		return 8
	}
	return 0
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
				s.storeTyped(areaSlot(s.resPtr, 0, &s.f.Sig, i), s.f.Value(a).Type, a)
				continue
			}
			args = append(args, s.use(a))
		}
		s.emit(Instr{Op: OpRet, Args: s.out.RegList(args)})
	case ssa.OpTrap:
		s.emit(Instr{Op: OpTrap, Trap: uint32(b.Aux), Pos: b.Pos})
	default:
		s.fail(b.Pos, "amd64: unknown terminator %v", b.Term)
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

// edgeCopy is a pending copy of edgeCopies.
type edgeCopy struct {
	dst  ssa.ID // the target's parameter
	arg  ssa.ID // the argument
	from Reg    // NoReg: the argument's own register (or constant)
}

// edgeCopies moves the edge's arguments into the target's parameters as a
// parallel copy, sequentialised: a copy goes first once no pending copy
// still reads its destination, and a cycle (parameters passed around, as a
// loop's back edge does) is broken by saving one destination in a
// temporary. Only arguments that are themselves parameters of the target
// can be overwritten, since the destinations are its parameters.
func (s *isel) edgeCopies(e ssa.Edge) {
	if len(e.Args) == 0 {
		return
	}
	params := s.f.Block(e.Block).Params
	pending := s.copies[:0]
	defer func() { s.copies = pending[:0] }()
	for i, a := range e.Args {
		if a != params[i] {
			pending = append(pending, edgeCopy{dst: params[i], arg: a, from: NoReg})
		}
	}
	// reads reports whether a pending copy other than k still reads the
	// parameter p's register.
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
		// Every pending destination is still read by another copy: save
		// the first one's old value and let its readers use the copy.
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
		s.emit(Instr{Op: OpMovaps, Dst: R(dst), Src: [3]Operand{R(src)}})
	} else {
		s.emit(Instr{Op: OpMov, Size: 8, Dst: R(dst), Src: [3]Operand{R(src)}})
	}
}

// moveValue sets dst to value a, materialising constants directly.
func (s *isel) moveValue(dst Reg, a ssa.ID) {
	v := s.f.Value(a)
	if s.isConst(v) {
		s.materialize(dst, v)
		return
	}
	s.copyReg(dst, s.vr(a))
}

func (s *isel) isConst(v *ssa.Value) bool {
	switch v.Op {
	case ssa.OpI32Const, ssa.OpI64Const, ssa.OpF32Const, ssa.OpF64Const, ssa.OpRefNull, ssa.OpV128Const:
		return true
	}
	return false
}

// use returns a register holding value a: constants are materialised
// into a fresh register at each use, everything else has its own.
func (s *isel) use(a ssa.ID) Reg {
	v := s.f.Value(a)
	if s.isConst(v) {
		// Once per block: the uses are close together.
		if r, ok := s.consts[a]; ok {
			return r
		}
		r := s.tmp(isFloatType(v.Type))
		s.materialize(r, v)
		s.consts[a] = r
		return r
	}
	if s.fused[a] {
		// A value selected at its use that is needed as a register after
		// all (cannot happen for the patterns countUses picks).
		s.fail(v.Pos, "amd64: internal error: fused v%d used as a register", a)
	}
	return s.vr(a)
}

func (s *isel) materialize(dst Reg, v *ssa.Value) {
	switch v.Op {
	case ssa.OpI32Const:
		s.emit(Instr{Op: OpMov, Size: 4, Dst: R(dst), Src: [3]Operand{Imm(int64(uint32(v.Aux)))}})
	case ssa.OpI64Const:
		if uint64(v.Aux) <= math.MaxUint32 {
			// A 32-bit move zero-extends, and is shorter.
			s.emit(Instr{Op: OpMov, Size: 4, Dst: R(dst), Src: [3]Operand{Imm(int64(uint32(v.Aux)))}})
			return
		}
		s.emit(Instr{Op: OpMov, Size: 8, Dst: R(dst), Src: [3]Operand{Imm(v.Aux)}})
	case ssa.OpRefNull:
		s.emit(Instr{Op: OpMov, Size: 4, Dst: R(dst), Src: [3]Operand{Imm(0)}})
	case ssa.OpF32Const:
		s.emit(Instr{Op: OpMovss, Dst: R(dst), Src: [3]Operand{s.fconst(uint64(uint32(v.Aux)), 0, 4)}})
	case ssa.OpF64Const:
		s.emit(Instr{Op: OpMovsd, Dst: R(dst), Src: [3]Operand{s.fconst(uint64(v.Aux), 0, 8)}})
	case ssa.OpV128Const:
		s.emit(Instr{Op: OpMovups, Dst: R(dst), Src: [3]Operand{s.fconst(uint64(v.Aux), uint64(v.Aux2), 16)}})
	}
}

// fconst returns a constant-pool operand of size 4, 8 or 16 bytes.
func (s *isel) fconst(lo, hi uint64, size int) Operand {
	key := [3]uint64{lo, hi, uint64(size)}
	if i, ok := s.fconsts[key]; ok {
		return C(i)
	}
	data := make([]byte, size)
	for i := 0; i < size && i < 8; i++ {
		data[i] = byte(lo >> (8 * i))
	}
	for i := 8; i < size; i++ {
		data[i] = byte(hi >> (8 * (i - 8)))
	}
	op := s.out.AddConst(data, size)
	s.fconsts[key] = op.ConstIndex()
	return op
}
