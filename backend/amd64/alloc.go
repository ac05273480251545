package amd64

import (
	"fmt"
	"slices"

	"github.com/wasiaot/wasiaot/backend/regalloc"
)

// Allocator assigns physical registers to a Func's virtual registers. It
// keeps its buffers between functions; use one per goroutine.
type Allocator struct {
	ra    *regalloc.Allocator
	rf    regalloc.Func
	ptrs  []*Reg     // per allocator operand: the register field to rewrite
	mops  []*Operand // per allocator operand: the operand a stack slot may replace
	Check bool       // run the independent checker on every allocation
	// Last holds the result of the last allocation (for tests and stats).
	Last *regalloc.Result
	// buf holds the rewritten blocks; a function's instructions stay
	// valid until the next Allocate.
	buf []Instr
	at  []int32 // insertInPlace's positions of the edits
	// remat holds the constant loads marked rematerializable, by
	// allocator instruction index ascending: an edit executing one again
	// copies it.
	remat []rematDef
}

type rematDef struct {
	at int32
	in Instr
}

// rematAt finds the constant load at allocator instruction index at.
func (a *Allocator) rematAt(at int32) (int, bool) {
	return slices.BinarySearchFunc(a.remat, at, func(d rematDef, at int32) int { return int(d.at - at) })
}

// NewAllocator returns an allocator for amd64.
func NewAllocator() *Allocator {
	return &Allocator{ra: regalloc.New(RegInfo)}
}

// Allocate rewrites f to use physical registers only, inserting moves,
// spills and reloads, and records the frame layout used by Emit. The
// rewritten instructions share storage with the next Allocate's: emit f
// before then.
func (a *Allocator) Allocate(f *Func) error {
	if f.allocated {
		return fmt.Errorf("amd64: %s already allocated", f.Name)
	}
	rf := &a.rf
	rf.Reset()
	rf.CoalesceCopies = f.CoalesceCopies
	for _, fl := range f.VRegFloat {
		c := regalloc.ClassInt
		if fl {
			c = regalloc.ClassFloat
		}
		rf.VRegClass = append(rf.VRegClass, c)
	}
	a.ptrs = a.ptrs[:0]
	a.mops = a.mops[:0]
	a.remat = a.remat[:0]
	for b, blk := range f.Blocks {
		if len(blk.Instrs) == 0 {
			return fmt.Errorf("amd64: b%d is empty", b)
		}
		rf.StartBlock(blk.LoopDepth)
		for i := range blk.Instrs {
			in := &blk.Instrs[i]
			if err := a.collect(f, in); err != nil {
				return fmt.Errorf("amd64: b%d: %s: %v", b, f.InstrString(in), err)
			}
		}
		succs := f.Succs(b)
		for _, s := range succs {
			if s < 0 || int(s) >= len(f.Blocks) {
				return fmt.Errorf("amd64: b%d: jump to unknown block b%d", b, s)
			}
		}
		rf.Blocks[b].Succs = append(rf.Blocks[b].Succs[:0], succs...)
	}
	res, err := a.ra.Allocate(rf)
	if err != nil {
		return fmt.Errorf("amd64: %s: %v", f.Name, err)
	}
	if a.Check {
		if err := regalloc.Check(rf, RegInfo, res); err != nil {
			return fmt.Errorf("amd64: %s: %v", f.Name, err)
		}
	}
	for _, ed := range res.Edits {
		if _, ok := a.rematAt(ed.Def); ed.From == regalloc.RematLoc && (!ok || !ed.To.IsReg()) {
			return fmt.Errorf("amd64: %s: internal error: instr %d executed again, but it is not a constant load", f.Name, ed.Def)
		}
	}
	a.Last = res
	f.spillBase = (f.OutArgs + 15) &^ 15
	for i, in := range rf.Instrs {
		if res.Dropped != nil && res.Dropped[i] {
			continue // removed by rewrite
		}
		for k := in.First; k < in.End; k++ {
			p := a.ptrs[k]
			switch l := res.Locs[k]; {
			case l.IsReg():
				*p = fromPReg(l.Reg())
			case l.IsSlot() && a.mops[k] != nil:
				*a.mops[k] = M(Base(RSP, f.spillBase+res.SlotOffset[l.Slot()]))
			default:
				return fmt.Errorf("amd64: internal error: operand %d in %v", k, l)
			}
		}
	}
	a.rewrite(f, res)
	return nil
}

// collect describes one instruction's virtual register operands to the
// allocator.
func (a *Allocator) collect(f *Func, in *Instr) error {
	rf := &a.rf
	first := len(rf.Operands)
	var clobbers regalloc.RegSet
	add := func(r *Reg, op regalloc.Operand) (int, error) {
		if !r.IsVirtual() {
			if *r == NoReg || *r == RSP || *r == VMCtx || *r == Scratch || *r == InArgs {
				return -1, nil
			}
			return -1, fmt.Errorf("physical register %s before allocation", *r)
		}
		if int(r.VReg()) >= len(f.VRegFloat) {
			return -1, fmt.Errorf("unknown %s", *r)
		}
		op.V = r.VReg()
		rf.Operands = append(rf.Operands, op)
		a.ptrs = append(a.ptrs, r)
		a.mops = append(a.mops, nil)
		return len(rf.Operands) - 1 - first, nil
	}
	use := func(o *Operand) error {
		switch o.Kind {
		case KReg:
			_, err := add(&o.Reg, regalloc.U(0))
			return err
		case KMem:
			if _, err := add(&o.Reg, regalloc.U(0)); err != nil {
				return err
			}
			_, err := add(&o.Index, regalloc.U(0))
			return err
		}
		return nil
	}
	// useMem is use for an operand the instruction may also take from
	// memory: a spilled value is then read from its slot directly. VEX
	// forms take unaligned memory, so every two-address vector op may.
	memOK := memSource[in.Op] || f.VEX && in.Op.isVec() && ops[in.Op].form == fBin && in.Op.hasVEX()
	useMem := func(o *Operand) error {
		if o.Kind != KReg || !o.Reg.IsVirtual() || !memOK {
			return use(o)
		}
		op := regalloc.U(0)
		op.MayStack = true
		k, err := add(&o.Reg, op)
		if k >= 0 {
			a.mops[first+k] = o
		}
		return err
	}
	fixed := func(r *Reg, kind regalloc.OperandKind, p Reg) error {
		_, err := add(r, regalloc.Operand{Kind: kind, Fixed: p.PReg(), Reuse: -1})
		return err
	}
	needReg := func(o *Operand, what string) error {
		if o.Kind != KReg {
			return fmt.Errorf("%s must be a register", what)
		}
		return nil
	}
	// twoAddr handles Dst = Src0 op ...: the result reuses Src0's register.
	twoAddr := func() error {
		if err := needReg(&in.Src[0], "first source"); err != nil {
			return err
		}
		if err := needReg(&in.Dst, "destination"); err != nil {
			return err
		}
		src, err := add(&in.Src[0].Reg, regalloc.U(0))
		if err != nil {
			return err
		}
		d := regalloc.D(0)
		if src >= 0 {
			d.Reuse = int8(src)
		}
		_, err = add(&in.Dst.Reg, d)
		return err
	}
	// threeAddr handles the VEX forms of Dst = Src0 op ...: the result
	// has a register of its own.
	threeAddr := func() error {
		if err := needReg(&in.Src[0], "first source"); err != nil {
			return err
		}
		if err := needReg(&in.Dst, "destination"); err != nil {
			return err
		}
		if _, err := add(&in.Src[0].Reg, regalloc.U(0)); err != nil {
			return err
		}
		_, err := add(&in.Dst.Reg, regalloc.D(0))
		return err
	}
	if f.VEX && in.Op.threeAddrVEX() {
		twoAddr = threeAddr
	}
	var err error
	switch ops[in.Op].form {
	case fBin, fUn, fCmov:
		if err = useMem(&in.Src[1]); err == nil {
			err = twoAddr()
		}
	case fBinImm:
		if in.Src[2].Kind != KImm {
			return fmt.Errorf("needs an immediate")
		}
		if err = use(&in.Src[1]); err == nil {
			err = twoAddr()
		}
	case fShift:
		if in.Src[1].Kind == KReg {
			err = fixed(&in.Src[1].Reg, regalloc.Use, RCX)
		}
		if err == nil {
			err = twoAddr()
		}
	case fMov:
		if err = useMem(&in.Src[0]); err == nil {
			if err = needReg(&in.Dst, "destination"); err == nil {
				_, err = add(&in.Dst.Reg, regalloc.D(0))
			}
		}
	case fBin3:
		for _, o := range []*Operand{&in.Src[0], &in.Src[1]} {
			if err == nil {
				if err = needReg(o, "source"); err == nil {
					err = use(o)
				}
			}
		}
		if err == nil {
			if err = needReg(&in.Dst, "destination"); err == nil {
				_, err = add(&in.Dst.Reg, regalloc.D(0))
			}
		}
	case fStore:
		if in.Dst.Kind != KMem {
			return fmt.Errorf("store needs a memory destination")
		}
		if err = use(&in.Src[0]); err == nil {
			err = use(&in.Dst)
		}
	case fCmp:
		if err = use(&in.Src[0]); err == nil {
			err = useMem(&in.Src[1])
		}
	case fSet:
		if err = needReg(&in.Dst, "destination"); err == nil {
			_, err = add(&in.Dst.Reg, regalloc.D(0))
		}
	case fDiv:
		if in.Src[0].Kind != KReg || in.Src[1].Kind != KReg || in.Dst.Kind != KReg {
			return fmt.Errorf("div operands must be registers")
		}
		for _, e := range []error{
			fixed(&in.Src[0].Reg, regalloc.Use, RAX),
			fixed(&in.Src[1].Reg, regalloc.Use, RDX),
			use(&in.Src[2]),
			fixed(&in.Dst.Reg, regalloc.Def, RAX),
			fixed(&in.Dst2, regalloc.Def, RDX),
		} {
			if e != nil {
				return e
			}
		}
	case fExt:
		if in.Src[0].Kind != KReg || in.Dst.Kind != KReg {
			return fmt.Errorf("sext operands must be registers")
		}
		if err = fixed(&in.Src[0].Reg, regalloc.Use, RAX); err == nil {
			err = fixed(&in.Dst.Reg, regalloc.Def, RDX)
		}
	case fParams:
		err = a.convention(f, f.Regs(in.Args), regalloc.Def, IntArgRegs, FloatArgRegs, "parameters")
	case fRet:
		err = a.convention(f, f.Regs(in.Args), regalloc.Use, IntResultRegs, FloatResultReg, "results")
	case fCall:
		if in.Func < 0 {
			err = use(&in.Src[0])
		}
		if err == nil {
			err = a.convention(f, f.Regs(in.Args), regalloc.Use, IntArgRegs, FloatArgRegs, "arguments")
		}
		if err == nil {
			err = a.convention(f, f.Regs(in.Rets), regalloc.Def, IntResultRegs, FloatResultReg, "results")
		}
		clobbers = CallClobbers
	case fExit:
		clobbers = CallClobbers
	case fJmpTab:
		if err = needReg(&in.Src[0], "index"); err == nil {
			err = use(&in.Src[0])
		}
	case fRep:
		src := RSI
		if in.Op == OpRepStosb {
			src = RAX
		}
		for k, r := range [3]Reg{RDI, src, RCX} {
			if err == nil {
				if err = needReg(&in.Src[k], "rep operand"); err == nil {
					err = fixed(&in.Src[k].Reg, regalloc.Use, r)
				}
			}
		}
		clobbers = regalloc.RegSet(0).With(RDI.PReg()).With(src.PReg()).With(RCX.PReg())
	}
	if err != nil {
		return err
	}
	i := rf.CloseInstr(first, clobbers, isCopy(in))
	// A constant load may be executed again instead of reloaded.
	if in.Op == OpMov && in.Dst.Kind == KReg && in.Src[0].Kind == KImm && clobbers == 0 && len(rf.Operands)-first == 1 {
		rf.Instrs[i].Remat = true
		a.remat = append(a.remat, rematDef{int32(i), *in})
	}
	return nil
}

// convention pins call arguments or results to the registers of the
// wasm-to-wasm calling convention.
func (a *Allocator) convention(f *Func, rs []Reg, kind regalloc.OperandKind, ints, floats []Reg, what string) error {
	ni, nf := 0, 0
	for k := range rs {
		r := &rs[k]
		var p Reg
		if r.IsVirtual() && int(r.VReg()) < len(f.VRegFloat) && f.VRegFloat[r.VReg()] {
			if nf == len(floats) {
				return fmt.Errorf("not supported: more than %d float %s in registers", len(floats), what)
			}
			p, nf = floats[nf], nf+1
		} else {
			if ni == len(ints) {
				return fmt.Errorf("not supported: more than %d integer %s in registers", len(ints), what)
			}
			p, ni = ints[ni], ni+1
		}
		if !r.IsVirtual() {
			return fmt.Errorf("%s must be virtual registers", what)
		}
		if _, err := a.addFixed(f, r, kind, p); err != nil {
			return err
		}
	}
	return nil
}

func (a *Allocator) addFixed(f *Func, r *Reg, kind regalloc.OperandKind, p Reg) (int, error) {
	if int(r.VReg()) >= len(f.VRegFloat) {
		return -1, fmt.Errorf("unknown %s", *r)
	}
	a.rf.Operands = append(a.rf.Operands, regalloc.Operand{V: r.VReg(), Kind: kind, Fixed: p.PReg(), Reuse: -1})
	a.ptrs = append(a.ptrs, r)
	a.mops = append(a.mops, nil)
	return 0, nil
}

// isCopy reports whether in is a plain full-width register copy.
func isCopy(in *Instr) bool {
	return (in.Op == OpMov && in.Size == 8 || in.Op == OpMovaps) &&
		in.Dst.Kind == KReg && in.Src[0].Kind == KReg
}

// rewrite inserts the allocator's copies and drops copies made redundant,
// and lays out the frame.
func (a *Allocator) rewrite(f *Func, res *regalloc.Result) {
	// A block with edits is rebuilt in place when its storage has room
	// (the selector leaves some), else in one buffer reused from function
	// to function; the others drop their redundant copies in place.
	need, e, idx := 0, 0, int32(0)
	for _, blk := range f.Blocks {
		end := idx + int32(len(blk.Instrs))
		k := e
		for k < len(res.Edits) && res.Edits[k].At < end {
			k++
		}
		if n := len(blk.Instrs) + k - e; k > e && n > cap(blk.Instrs) {
			need += n
		}
		e, idx = k, end
	}
	if cap(a.buf) < need {
		a.buf = make([]Instr, need+need/4)
	}
	buf := a.buf[:need]
	e, idx = 0, 0
	for _, blk := range f.Blocks {
		// Count this block's edits: without any, copies are dropped in
		// place and nothing is allocated.
		n := 0
		for k := e; k < len(res.Edits) && res.Edits[k].At < idx+int32(len(blk.Instrs)); k++ {
			n++
		}
		if n > 0 && len(blk.Instrs)+n <= cap(blk.Instrs) {
			size := len(blk.Instrs)
			blk.Instrs = a.insertInPlace(f, res, blk.Instrs, res.Edits[e:e+n], idx)
			e, idx = e+n, idx+int32(size)
			continue
		}
		out := blk.Instrs[:0]
		if n > 0 {
			size := len(blk.Instrs) + n
			out, buf = buf[:0:size], buf[size:]
		}
		for i := range blk.Instrs {
			for ; e < len(res.Edits) && res.Edits[e].At == idx; e++ {
				out = append(out, a.editInstr(f, res, res.Edits[e]))
			}
			in := blk.Instrs[i]
			dropped := res.Dropped != nil && res.Dropped[idx]
			idx++
			if dropped || isCopy(&in) && in.Dst.Reg == in.Src[0].Reg {
				continue
			}
			out = append(out, in)
		}
		blk.Instrs = out
	}
	f.calleeSaved = f.calleeSaved[:0]
	for _, r := range CalleeSaved {
		if res.UsedCalleeSaved.Has(r.PReg()) {
			f.calleeSaved = append(f.calleeSaved, r)
		}
	}
	// At entry RSP+8 is 16-aligned; a function that calls keeps RSP
	// 16-aligned after the pushes and the frame.
	size := f.spillBase + res.FrameSize
	if hasCall(f) {
		pushed := int32(8 + 8*len(f.calleeSaved))
		f.frameSize = (size+pushed+15)&^15 - pushed
	} else {
		f.frameSize = size
	}
	f.allocated = true
}

// insertInPlace drops the redundant copies of ins, whose first
// instruction has allocator index first, and inserts the moves of edits
// within ins's capacity: a forward pass closes the gaps, then a backward
// pass opens room for the moves.
func (a *Allocator) insertInPlace(f *Func, res *regalloc.Result, ins []Instr, edits []regalloc.Edit, first int32) []Instr {
	a.at = a.at[:0] // per edit: the kept instruction it goes before
	w, k := 0, 0
	for i := range ins {
		for ; k < len(edits) && edits[k].At == first+int32(i); k++ {
			a.at = append(a.at, int32(w))
		}
		if in := &ins[i]; res.Dropped != nil && res.Dropped[first+int32(i)] || isCopy(in) && in.Dst.Reg == in.Src[0].Reg {
			continue
		}
		if w != i {
			ins[w] = ins[i]
		}
		w++
	}
	out := ins[:w+len(edits)]
	j, q := w-1, len(edits)-1
	for pos := len(out) - 1; q >= 0; pos-- {
		if int(a.at[q]) > j {
			out[pos] = a.editInstr(f, res, edits[q])
			q--
		} else {
			out[pos] = ins[j]
			j--
		}
	}
	return out
}

// editInstr returns the move of an allocator edit, or the constant load
// it executes again (Allocate checked that there is one).
func (a *Allocator) editInstr(f *Func, res *regalloc.Result, ed regalloc.Edit) Instr {
	if ed.From == regalloc.RematLoc {
		k, _ := a.rematAt(ed.Def)
		in := a.remat[k].in
		in.Dst.Reg, in.Pos = fromPReg(ed.To.Reg()), 0
		return in
	}
	slot := func(l regalloc.Loc) Operand {
		return M(Base(RSP, f.spillBase+res.SlotOffset[l.Slot()]))
	}
	float := ed.Class == regalloc.ClassFloat
	var mv Instr
	switch {
	case ed.From.IsReg() && ed.To.IsReg() && float:
		mv = Instr{Op: OpMovaps, Dst: R(fromPReg(ed.To.Reg())), Src: [3]Operand{R(fromPReg(ed.From.Reg()))}}
	case ed.From.IsReg() && ed.To.IsReg():
		mv = Instr{Op: OpMov, Size: 8, Dst: R(fromPReg(ed.To.Reg())), Src: [3]Operand{R(fromPReg(ed.From.Reg()))}}
	case ed.From.IsReg() && float:
		mv = Instr{Op: OpStoreups, Dst: slot(ed.To), Src: [3]Operand{R(fromPReg(ed.From.Reg()))}}
	case ed.From.IsReg():
		mv = Instr{Op: OpStore, Size: 8, Dst: slot(ed.To), Src: [3]Operand{R(fromPReg(ed.From.Reg()))}}
	case float:
		mv = Instr{Op: OpMovups, Dst: R(fromPReg(ed.To.Reg())), Src: [3]Operand{slot(ed.From)}}
	default:
		mv = Instr{Op: OpMov, Size: 8, Dst: R(fromPReg(ed.To.Reg())), Src: [3]Operand{slot(ed.From)}}
	}
	mv.Func, mv.Dst2 = -1, NoReg
	return mv
}

func hasCall(f *Func) bool {
	for _, blk := range f.Blocks {
		for i := range blk.Instrs {
			if op := blk.Instrs[i].Op; op == OpCall || op == OpExit {
				return true
			}
		}
	}
	return false
}

// memSource lists the ops whose register source (Src1 of two-address and
// compare forms, Src0 of moves) may be a memory operand read at its own
// width. Packed SSE ops are missing: their memory operands must be
// 16-byte aligned.
var memSource = [numOps]bool{
	OpAdd: true, OpSub: true, OpAnd: true, OpOr: true, OpXor: true, OpImul: true, OpCmov: true,
	OpCmp: true, OpMov: true, OpMovzx8: true, OpMovzx16: true, OpMovsx8: true, OpMovsx16: true,
	OpMovsx32: true, OpLzcnt: true, OpTzcnt: true, OpPopcnt: true, OpImul3: true,
	OpAddss: true, OpAddsd: true, OpSubss: true, OpSubsd: true, OpMulss: true, OpMulsd: true,
	OpDivss: true, OpDivsd: true, OpMinss: true, OpMinsd: true, OpMaxss: true, OpMaxsd: true,
	OpMovss: true, OpMovsd: true, OpSqrtss: true, OpSqrtsd: true, OpCvtss2sd: true, OpCvtsd2ss: true,
	OpCvtsi2ss: true, OpCvtsi2sd: true, OpCvttss2si: true, OpCvttsd2si: true, OpUcomiss: true, OpUcomisd: true,
}
