package arm64

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
	ptrs  []*Reg // per allocator operand: the register field to rewrite
	Check bool   // run the independent checker on every allocation
	// Last holds the result of the last allocation (for tests and stats).
	Last *regalloc.Result
	// buf holds the rewritten blocks that have edits; a function's
	// instructions stay valid until the next Allocate.
	buf []Instr
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

// NewAllocator returns an allocator for arm64.
func NewAllocator() *Allocator {
	return &Allocator{ra: regalloc.New(RegInfo)}
}

// Allocate rewrites f to use physical registers only, inserting moves,
// spills and reloads, and records the frame layout used by Emit.
func (a *Allocator) Allocate(f *Func) error {
	if f.allocated {
		return fmt.Errorf("arm64: %s already allocated", f.Name)
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
	a.remat = a.remat[:0]
	for b, blk := range f.Blocks {
		if len(blk.Instrs) == 0 {
			return fmt.Errorf("arm64: b%d is empty", b)
		}
		rf.StartBlock(blk.LoopDepth)
		for i := range blk.Instrs {
			in := &blk.Instrs[i]
			if err := a.collect(f, in); err != nil {
				return fmt.Errorf("arm64: b%d: %s: %v", b, f.InstrString(in), err)
			}
		}
		succs := f.Succs(b)
		for _, s := range succs {
			if s < 0 || int(s) >= len(f.Blocks) {
				return fmt.Errorf("arm64: b%d: jump to unknown block b%d", b, s)
			}
		}
		rf.Blocks[b].Succs = append(rf.Blocks[b].Succs[:0], succs...)
	}
	res, err := a.ra.Allocate(rf)
	if err != nil {
		return fmt.Errorf("arm64: %s: %v", f.Name, err)
	}
	if a.Check {
		if err := regalloc.Check(rf, RegInfo, res); err != nil {
			return fmt.Errorf("arm64: %s: %v", f.Name, err)
		}
	}
	for _, ed := range res.Edits {
		if _, ok := a.rematAt(ed.Def); ed.From == regalloc.RematLoc && (!ok || !ed.To.IsReg()) {
			return fmt.Errorf("arm64: %s: internal error: instr %d executed again, but it is not a constant load", f.Name, ed.Def)
		}
	}
	a.Last = res
	f.spillBase = (f.OutArgs + 15) &^ 15
	for i, in := range rf.Instrs {
		if res.Dropped != nil && res.Dropped[i] {
			continue
		}
		for k := in.First; k < in.End; k++ {
			l := res.Locs[k]
			if !l.IsReg() {
				return fmt.Errorf("arm64: internal error: operand %d in %v", k, l)
			}
			*a.ptrs[k] = fromPReg(l.Reg())
		}
	}
	a.rewrite(f, res)
	return nil
}

// collect describes one instruction's virtual register operands to the
// allocator: uses first, then definitions. Every form is three-address,
// so nothing but calls, parameters and returns is tied to a register.
func (a *Allocator) collect(f *Func, in *Instr) error {
	rf := &a.rf
	first := len(rf.Operands)
	var clobbers regalloc.RegSet
	add := func(r *Reg, op regalloc.Operand) error {
		if !r.IsVirtual() {
			switch *r {
			case NoReg, SP, ZR, VMCtx, Scratch, Scratch2, InArgs:
				return nil
			}
			return fmt.Errorf("physical register %s before allocation", *r)
		}
		if int(r.VReg()) >= len(f.VRegFloat) {
			return fmt.Errorf("unknown %s", *r)
		}
		op.V = r.VReg()
		rf.Operands = append(rf.Operands, op)
		a.ptrs = append(a.ptrs, r)
		return nil
	}
	use := func(o *Operand) error {
		switch o.Kind {
		case KReg:
			return add(&o.Reg, regalloc.U(0))
		case KMem:
			if err := add(&o.Reg, regalloc.U(0)); err != nil {
				return err
			}
			if o.Index != NoReg {
				return add(&o.Index, regalloc.U(0))
			}
		}
		return nil
	}
	def := func(o *Operand) error {
		if o.Kind != KReg {
			return fmt.Errorf("destination must be a register")
		}
		return add(&o.Reg, regalloc.D(0))
	}
	var err error
	switch ops[in.Op].form {
	case fBin, fUn, fTern, fMovImm, fLoad, fCset, fCsel:
		for k := range in.Src {
			if err = use(&in.Src[k]); err != nil {
				return err
			}
		}
		err = def(&in.Dst)
	case fVec:
		for k := range in.Src {
			if in.Src[k].Kind != KNone && in.Src[k].Kind != KReg {
				return fmt.Errorf("vector operands must be registers")
			}
			if err = use(&in.Src[k]); err != nil {
				return err
			}
		}
		if in.Dst.Kind != KReg {
			return fmt.Errorf("destination must be a register")
		}
		d := regalloc.D(0)
		if in.Tied {
			if !in.Src[0].Reg.IsVirtual() || !in.Dst.Reg.IsVirtual() {
				return fmt.Errorf("a tied vector operand must be virtual")
			}
			d.Reuse = 0
		}
		err = add(&in.Dst.Reg, d)
	case fStore:
		if in.Dst.Kind != KMem {
			return fmt.Errorf("store needs a memory destination")
		}
		if err = use(&in.Src[0]); err == nil {
			err = use(&in.Dst)
		}
	case fCmp, fCbz, fJmpTab:
		if err = use(&in.Src[0]); err == nil {
			err = use(&in.Src[1])
		}
	case fParams:
		err = a.convention(f, in.Args, regalloc.Def, IntArgRegs, FloatArgRegs, "parameters")
	case fRet:
		err = a.convention(f, in.Args, regalloc.Use, IntResultRegs, FloatResultReg, "results")
	case fCall:
		if in.Func < 0 {
			err = use(&in.Src[0])
		}
		if err == nil {
			err = a.convention(f, in.Args, regalloc.Use, IntArgRegs, FloatArgRegs, "arguments")
		}
		if err == nil {
			err = a.convention(f, in.Rets, regalloc.Def, IntResultRegs, FloatResultReg, "results")
		}
		clobbers = CallClobbers
	case fExit:
		clobbers = CallClobbers
	}
	if err != nil {
		return err
	}
	i := rf.CloseInstr(first, clobbers, isCopy(in))
	// An integer constant load may be executed again instead of reloaded.
	if in.Op == OpMovImm && in.Dst.Kind == KReg && clobbers == 0 && len(rf.Operands)-first == 1 {
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
		if !r.IsVirtual() || int(r.VReg()) >= len(f.VRegFloat) {
			return fmt.Errorf("%s must be virtual registers", what)
		}
		var p Reg
		if f.VRegFloat[r.VReg()] {
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
		a.rf.Operands = append(a.rf.Operands, regalloc.Operand{V: r.VReg(), Kind: kind, Fixed: p.PReg(), Reuse: -1})
		a.ptrs = append(a.ptrs, r)
	}
	return nil
}

// isCopy reports whether in is a plain full-width register copy.
func isCopy(in *Instr) bool {
	return (in.Op == OpMov || in.Op == OpFmov) && in.Dst.Kind == KReg &&
		in.Src[0].Kind == KReg && in.Src[0].Ext == ExtNone
}

// rewrite inserts the allocator's copies, drops copies made redundant,
// and lays out the frame.
func (a *Allocator) rewrite(f *Func, res *regalloc.Result) {
	// Blocks with edits are rebuilt in one buffer reused from function
	// to function; the others drop their redundant copies in place.
	need, e, idx := 0, 0, int32(0)
	for _, blk := range f.Blocks {
		end := idx + int32(len(blk.Instrs))
		k := e
		for k < len(res.Edits) && res.Edits[k].At < end {
			k++
		}
		if k > e {
			need += len(blk.Instrs) + k - e
		}
		e, idx = k, end
	}
	if cap(a.buf) < need {
		a.buf = make([]Instr, need+need/4)
	}
	buf := a.buf[:need]
	e, idx = 0, 0
	for _, blk := range f.Blocks {
		n := 0
		for k := e; k < len(res.Edits) && res.Edits[k].At < idx+int32(len(blk.Instrs)); k++ {
			n++
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
	f.saved = f.saved[:0]
	for _, r := range CalleeSaved {
		if res.UsedCalleeSaved.Has(r.PReg()) {
			f.saved = append(f.saved, r)
		}
	}
	if hasCall(f) {
		// x30 goes to the top slot of the save area, right below the
		// caller's SP, where a backtrace finds it: with an even count of
		// other registers, xzr fills the slot beside it.
		if len(f.saved)%2 == 0 {
			f.saved = append(f.saved, ZR)
		}
		f.saved = append(f.saved, LR)
	}
	f.saveSize = int32(8*len(f.saved)+15) &^ 15
	// SP stays 16-aligned: the spill area and the outgoing arguments are
	// multiples of 16.
	f.frameSize = f.spillBase + res.FrameSize
	f.allocated = true
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
		return Base(SP, f.spillBase+res.SlotOffset[l.Slot()])
	}
	float := ed.Class == regalloc.ClassFloat
	var mv Instr
	switch {
	case ed.From.IsReg() && ed.To.IsReg() && float:
		mv = Instr{Op: OpFmov, Size: 16, Dst: R(fromPReg(ed.To.Reg())), Src: [3]Operand{R(fromPReg(ed.From.Reg()))}}
	case ed.From.IsReg() && ed.To.IsReg():
		mv = Instr{Op: OpMov, Size: 8, Dst: R(fromPReg(ed.To.Reg())), Src: [3]Operand{R(fromPReg(ed.From.Reg()))}}
	case ed.From.IsReg() && float:
		mv = Instr{Op: OpFstr, Size: 16, Dst: slot(ed.To), Src: [3]Operand{R(fromPReg(ed.From.Reg()))}}
	case ed.From.IsReg():
		mv = Instr{Op: OpStr, Size: 8, Dst: slot(ed.To), Src: [3]Operand{R(fromPReg(ed.From.Reg()))}}
	case float:
		mv = Instr{Op: OpFldr, Size: 16, Dst: R(fromPReg(ed.To.Reg())), Src: [3]Operand{slot(ed.From)}}
	default:
		mv = Instr{Op: OpLdr, Size: 8, Dst: R(fromPReg(ed.To.Reg())), Src: [3]Operand{slot(ed.From)}}
	}
	mv.Func = -1
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
