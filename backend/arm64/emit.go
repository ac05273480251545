package arm64

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/twitchyliquid64/golang-asm/obj"
	"github.com/twitchyliquid64/golang-asm/obj/arm64"
	"github.com/twitchyliquid64/golang-asm/objabi"
	"github.com/wasiaot/wasiaot/backend"
	"github.com/wasiaot/wasiaot/runtime/abi"
	"github.com/wasiaot/wasiaot/runtime/trap"
)

// The emitted forms are the seam's (package backend). Code.Relocs holds
// direct calls: a BL at Offset (imm26 zero) to be pointed at function
// Func (backend.RelocARM64Call26, or PatchCall).
type (
	Code     = backend.Code
	TrapSite = backend.TrapSite
	Position = backend.Position
)

// PatchCall points the BL instruction at text[at:] to target (both
// offsets in the same text). The distance must be within ±128 MiB.
func PatchCall(text []byte, at, target uint32) error {
	d := (int64(target) - int64(at)) / 4
	if d < -(1<<25) || d >= 1<<25 {
		return fmt.Errorf("arm64: call at %#x cannot reach %#x", at, target)
	}
	w := binary.LittleEndian.Uint32(text[at:])
	if w&0xfc000000 != 0x94000000 {
		return fmt.Errorf("arm64: no BL at %#x", at)
	}
	binary.LittleEndian.PutUint32(text[at:], 0x94000000|uint32(d)&0x03ffffff)
	return nil
}

// BigFrame is the frame size above which the prologue checks the stack
// limit instead of relying on the guard region (docs/abi.md).
const BigFrame = 32 << 10

var initMu sync.Mutex

type assembler struct {
	ctxt   *obj.Link
	errs   []string
	progs  [][]obj.Prog // instruction chunks, reused by the next function
	labels []*obj.Prog  // reused by the next function
}

func newAssembler() *assembler {
	initMu.Lock()
	defer initMu.Unlock()
	a := &assembler{ctxt: obj.Linknew(&arm64.Linkarm64)}
	a.ctxt.Headtype = objabi.Hlinux
	a.ctxt.DiagFunc = func(format string, args ...any) {
		a.errs = append(a.errs, fmt.Sprintf(format, args...))
	}
	arm64.Linkarm64.Init(a.ctxt)
	return a
}

var assemblers = sync.Pool{New: func() any { return newAssembler() }}

// Emitter emits functions one after the other with the same assembler
// state. It is not safe for concurrent use.
type Emitter struct{ asm *assembler }

// NewEmitter returns an Emitter.
func NewEmitter() *Emitter { return &Emitter{asm: newAssembler()} }

// Emit is the package-level Emit with em's assembler.
func (em *Emitter) Emit(f *Func) (*Code, error) { return emit(f, em.asm) }

// Emit assembles an allocated function.
func Emit(f *Func) (*Code, error) {
	asm := assemblers.Get().(*assembler)
	defer assemblers.Put(asm)
	return emit(f, asm)
}

type emitter struct {
	f      *Func
	ctxt   *obj.Link
	first  *obj.Prog
	last   *obj.Prog
	labels []*obj.Prog
	funcs  *obj.LSym
	sites  []site
	cold   []*obj.Prog
	tables []table
	asm    *assembler
	progs  []obj.Prog // the rest of the current chunk
	chunk  int        // next chunk of asm.progs
}

type site struct {
	p    *obj.Prog
	in   *Instr
	trap bool
	ret  *obj.Prog // calls and exits: the instruction at the return address
}

// table is a jump table: its words, patched after assembly with the
// offsets of the targets from the table's start.
type table struct {
	words   []*obj.Prog
	targets []int32
}

func emit(f *Func, asm *assembler) (code *Code, err error) {
	if !f.allocated {
		return nil, fmt.Errorf("arm64: %s: emit before register allocation", f.Name)
	}
	asm.errs = asm.errs[:0]
	e := &emitter{f: f, ctxt: asm.ctxt, asm: asm}
	e.funcs = &obj.LSym{Name: "wasiaot.funcs"}
	text := e.newProg()
	text.As = obj.ATEXT
	e.add(text)
	e.labels = slices.Grow(asm.labels[:0], len(f.Blocks))[:len(f.Blocks)]
	defer func() {
		clear(e.labels)
		asm.labels = e.labels[:0]
	}()
	for b := range f.Blocks {
		e.labels[b] = e.newProg()
		e.labels[b].As = obj.ANOP
	}
	e.prologue()
	for b, blk := range f.Blocks {
		e.add(e.labels[b])
		if b > 0 && e.skipped(b) {
			continue
		}
		for i := range blk.Instrs {
			if err := e.instr(b, &blk.Instrs[i]); err != nil {
				return nil, fmt.Errorf("arm64: %s: b%d: %s: %v", f.Name, b, f.InstrString(&blk.Instrs[i]), err)
			}
		}
	}
	for _, p := range e.cold {
		e.add(p)
	}
	fn := &obj.FuncInfo{Text: e.first}
	sym := &obj.LSym{Name: f.Name, Func: fn}
	func() {
		defer func() {
			if r := recover(); r != nil {
				asm.errs = append(asm.errs, fmt.Sprint(r))
			}
		}()
		arm64.Linkarm64.Assemble(e.ctxt, sym, e.newProg)
	}()
	if len(asm.errs) > 0 {
		return nil, fmt.Errorf("arm64: %s: assembler: %s", f.Name, asm.errs[0])
	}
	// The assembler pads the symbol to 16 bytes; the code ends at the
	// last instruction.
	size := int(sym.Size)
	if size > len(sym.P) {
		size = len(sym.P)
	}
	for size >= 4 && binary.LittleEndian.Uint32(sym.P[size-4:]) == 0 && !endsWithTable(e) {
		size -= 4
	}
	code = &Code{CodeSize: size}
	code.Bytes = make([]byte, size)
	copy(code.Bytes, sym.P)
	for _, r := range sym.R {
		switch {
		case r.Sym == e.funcs:
			code.Relocs = append(code.Relocs, backend.Reloc{Offset: r.Off, Kind: backend.RelocARM64Call26, Func: int32(r.Add)})
		case r.Type == objabi.R_CALLIND && r.Siz == 0:
			// A marker on indirect calls, nothing to patch.
		default:
			return nil, fmt.Errorf("arm64: %s: unexpected relocation %v", f.Name, r.Type)
		}
	}
	for _, t := range e.tables {
		at := t.words[0].Pc
		for k, target := range t.targets {
			v := e.labels[e.thread(target)].Pc - at
			binary.LittleEndian.PutUint32(code.Bytes[t.words[k].Pc:], uint32(int32(v)))
		}
	}
	for _, s := range e.sites {
		if s.ret != nil {
			if s.in.Pos != 0 {
				code.Returns = append(code.Returns, Position{Offset: int32(s.ret.Pc), Pos: s.in.Pos})
			}
			continue
		}
		if s.trap {
			code.Traps = append(code.Traps, TrapSite{Offset: int32(s.p.Pc) + 4, Kind: trap.Kind(s.in.Trap), Pos: s.in.Pos})
			continue
		}
		if s.in.Pos != 0 {
			// A long offset is formed in REGTMP first: the access is the
			// last instruction of the expansion.
			n := instrSize(s.p)
			code.Positions = append(code.Positions, Position{Offset: int32(s.p.Pc + n - 4), Pos: s.in.Pos})
		}
	}
	return code, nil
}

// endsWithTable reports whether the code ends with a jump table, whose
// last word may be zero.
func endsWithTable(e *emitter) bool {
	return len(e.tables) > 0 && e.last.As == arm64.AWORD
}

// instrSize is the byte size of the machine code of p.
func instrSize(p *obj.Prog) int64 {
	for q := p.Link; q != nil; q = q.Link {
		if q.Pc != p.Pc || q.As != obj.ANOP {
			if q.Pc > p.Pc {
				return q.Pc - p.Pc
			}
		}
	}
	return 4
}

// progChunk is how many instructions newProg allocates at once.
const progChunk = 1024

// newProg hands out instructions from the assembler's chunks: nothing
// refers to them once Emit returns, so the next function reuses them.
func (e *emitter) newProg() *obj.Prog {
	if len(e.progs) == 0 {
		if e.chunk == len(e.asm.progs) {
			e.asm.progs = append(e.asm.progs, make([]obj.Prog, progChunk))
		}
		e.progs = e.asm.progs[e.chunk]
		e.chunk++
	}
	p := &e.progs[0]
	e.progs = e.progs[1:]
	*p = obj.Prog{Ctxt: e.ctxt}
	return p
}

func (e *emitter) add(p *obj.Prog) *obj.Prog {
	if e.first == nil {
		e.first = p
	} else {
		e.last.Link = p
	}
	e.last = p
	return p
}

func (e *emitter) prog(as obj.As) *obj.Prog {
	p := e.newProg()
	p.As = as
	return e.add(p)
}

func regAddr(r Reg) obj.Addr { return obj.Addr{Type: obj.TYPE_REG, Reg: goReg(r)} }
func constAddr(v int64) obj.Addr {
	return obj.Addr{Type: obj.TYPE_CONST, Offset: v}
}
func memAddr(base Reg, off int64) obj.Addr {
	return obj.Addr{Type: obj.TYPE_MEM, Reg: goReg(base), Offset: off}
}

func checkReg(r Reg) error {
	if r.IsVirtual() || r == NoReg || r == InArgs {
		return fmt.Errorf("unallocated register %s", r)
	}
	return nil
}

func (e *emitter) addr(o Operand) (obj.Addr, error) {
	switch o.Kind {
	case KReg:
		if err := checkReg(o.Reg); err != nil {
			return obj.Addr{}, err
		}
		switch o.Ext {
		case ExtNone:
			return regAddr(o.Reg), nil
		case ExtLSL, ExtLSR, ExtASR:
			if o.Reg.IsFloat() || o.Reg == SP {
				return obj.Addr{}, fmt.Errorf("bad shifted register %s", o.Reg)
			}
			op := int64(o.Ext - ExtLSL)
			return obj.Addr{Type: obj.TYPE_SHIFT, Offset: int64(o.Reg&31)<<16 | op<<22 | int64(o.Amount&63)<<10}, nil
		case ExtUXTW, ExtSXTW:
			base := int16(arm64.REG_UXTW)
			if o.Ext == ExtSXTW {
				base = arm64.REG_SXTW
			}
			return obj.Addr{Type: obj.TYPE_REG, Reg: base + int16(o.Reg&31) + int16(o.Amount&7)<<5}, nil
		}
	case KImm:
		return constAddr(o.Imm), nil
	case KMem:
		a := obj.Addr{Type: obj.TYPE_MEM, Offset: int64(o.Disp)}
		if o.Reg == InArgs {
			a.Reg = arm64.REGSP
			a.Offset += int64(e.f.frameSize) + int64(e.f.saveSize)
		} else {
			if err := checkReg(o.Reg); err != nil {
				return a, err
			}
			a.Reg = goReg(o.Reg)
		}
		if o.Index != NoReg {
			if err := checkReg(o.Index); err != nil || o.Index.IsFloat() {
				return a, fmt.Errorf("bad index register %s", o.Index)
			}
			if o.Disp != 0 {
				return a, fmt.Errorf("indexed address with a displacement")
			}
			switch o.Ext {
			case ExtUXTW:
				a.Index = arm64.REG_UXTW + int16(o.Index&31) + int16(o.Amount&7)<<5
			case ExtSXTW:
				a.Index = arm64.REG_SXTW + int16(o.Index&31) + int16(o.Amount&7)<<5
			case ExtLSL:
				// Scaled by the access size (Amount must be its log2).
				a.Index = arm64.REG_LSL + int16(o.Index&31) + int16(o.Amount&7)<<5
			default:
				a.Index = goReg(o.Index)
			}
		}
		return a, nil
	}
	return obj.Addr{}, fmt.Errorf("missing operand")
}

// saveArea returns the registers the prologue saves, in pairs.
func (e *emitter) prologue() {
	f := e.f
	if drop := int64(f.frameSize) + int64(f.saveSize); drop > BigFrame {
		// sub x16, sp, #drop; ldr x17, [x26, #StackLimit]; cmp x16, x17; b.hs ok
		p := e.prog(arm64.ASUB)
		p.From, p.Reg, p.To = constAddr(drop), arm64.REGSP, regAddr(Scratch)
		p = e.prog(arm64.AMOVD)
		p.From, p.To = memAddr(VMCtx, abi.VMCtxStackLimit), regAddr(Scratch2)
		p = e.prog(arm64.ACMP)
		p.From, p.Reg = regAddr(Scratch2), goReg(Scratch)
		ok := e.newProg()
		ok.As = obj.ANOP
		p = e.prog(arm64.ABHS)
		p.To.Type = obj.TYPE_BRANCH
		p.To.SetTarget(ok)
		e.trapCall(&Instr{Trap: uint32(trap.StackExhausted)})
		e.add(ok)
	}
	regs := f.saved
	for i := 0; i < len(regs); i += 2 {
		var p *obj.Prog
		if i+1 < len(regs) && (regs[i] == ZR || regs[i+1] == ZR) {
			// golang-asm refuses the zero register in a pair.
			op, off := uint32(0xa9000000), int64(8*i) // stp, signed offset
			if i == 0 {
				op, off = 0xa9800000, -int64(f.saveSize) // stp, pre-index
			}
			e.word(pairWord(op, regs[i], regs[i+1], off))
			continue
		}
		if i+1 < len(regs) {
			p = e.prog(arm64.ASTP)
			p.From = obj.Addr{Type: obj.TYPE_REGREG, Reg: goReg(regs[i]), Offset: int64(goReg(regs[i+1]))}
		} else {
			p = e.prog(arm64.AMOVD)
			p.From = regAddr(regs[i])
		}
		if i == 0 {
			p.To = obj.Addr{Type: obj.TYPE_MEM, Reg: arm64.REGSP, Offset: -int64(f.saveSize)}
			p.Scond = arm64.C_XPRE
		} else {
			p.To = obj.Addr{Type: obj.TYPE_MEM, Reg: arm64.REGSP, Offset: int64(8 * i)}
		}
	}
	if f.frameSize > 0 {
		p := e.prog(arm64.ASUB)
		p.From, p.Reg, p.To = constAddr(int64(f.frameSize)), arm64.REGSP, regAddr(SP)
	}
}

func (e *emitter) epilogue() {
	f := e.f
	if f.frameSize > 0 {
		p := e.prog(arm64.AADD)
		p.From, p.Reg, p.To = constAddr(int64(f.frameSize)), arm64.REGSP, regAddr(SP)
	}
	regs := f.saved
	last := (len(regs) - 1) &^ 1
	for i := last; i >= 0 && len(regs) > 0; i -= 2 {
		var p *obj.Prog
		if i+1 < len(regs) && (regs[i] == ZR || regs[i+1] == ZR) {
			op, off := uint32(0xa9400000), int64(8*i) // ldp, signed offset
			if i == 0 {
				op, off = 0xa8c00000, int64(f.saveSize) // ldp, post-index
			}
			e.word(pairWord(op, regs[i], regs[i+1], off))
			continue
		}
		if i+1 < len(regs) {
			p = e.prog(arm64.ALDP)
			p.To = obj.Addr{Type: obj.TYPE_REGREG, Reg: goReg(regs[i]), Offset: int64(goReg(regs[i+1]))}
		} else {
			p = e.prog(arm64.AMOVD)
			p.To = regAddr(regs[i])
		}
		if i == 0 {
			p.From = obj.Addr{Type: obj.TYPE_MEM, Reg: arm64.REGSP, Offset: int64(f.saveSize)}
			p.Scond = arm64.C_XPOST
		} else {
			p.From = obj.Addr{Type: obj.TYPE_MEM, Reg: arm64.REGSP, Offset: int64(8 * i)}
		}
	}
}

// pairWord encodes a 64-bit stp or ldp of a and b at the byte offset
// off from SP (op holds the form: signed offset, pre- or post-index).
func pairWord(op uint32, a, b Reg, off int64) uint32 {
	return op | uint32(off/8)&0x7f<<15 | uint32(b&31)<<10 | 31<<5 | uint32(a&31)
}

func (e *emitter) onlyJump(b int) bool {
	blk := e.f.Blocks[b]
	return len(blk.Instrs) == 1 && blk.Instrs[0].Op == OpB
}

// skipped reports whether block b is left out of the code: a lone jump
// that does not jump to itself through other lone jumps.
func (e *emitter) skipped(b int) bool {
	return e.onlyJump(b) && !e.onlyJump(int(e.thread(int32(b))))
}

// thread follows chains of lone jumps. A chain that ends in a cycle of lone
// jumps (an empty infinite loop) ends at a block of the cycle, which is
// then emitted.
func (e *emitter) thread(t int32) int32 {
	for range len(e.f.Blocks) {
		if t <= 0 || int(t) >= len(e.f.Blocks) || !e.onlyJump(int(t)) {
			break
		}
		t = e.f.Blocks[t].Instrs[0].Target[0]
	}
	return t
}

func (e *emitter) branchTo(p *obj.Prog, target int32) error {
	if target < 0 || int(target) >= len(e.labels) {
		return fmt.Errorf("unknown block b%d", target)
	}
	p.To.Type = obj.TYPE_BRANCH
	p.To.SetTarget(e.labels[target])
	return nil
}

func (e *emitter) jump(target int32) error { return e.branchTo(e.prog(arm64.AB), target) }

var bcondAs = [numConds]obj.As{arm64.ABEQ, arm64.ABNE, arm64.ABHS, arm64.ABLO, arm64.ABMI, arm64.ABPL, arm64.ABVS, arm64.ABVC, arm64.ABHI, arm64.ABLS, arm64.ABGE, arm64.ABLT, arm64.ABGT, arm64.ABLE, arm64.AB}

func sizeIndex(size uint8) (int, error) {
	switch size {
	case 4:
		return 0, nil
	case 8, 16: // 16: full vector loads and stores, which pick their own op
		return 1, nil
	}
	return 0, fmt.Errorf("bad size %d", size)
}

func (e *emitter) instr(b int, in *Instr) error {
	info := &ops[in.Op]
	var as obj.As
	if info.as[0] != 0 || info.as[1] != 0 {
		k, err := sizeIndex(in.Size)
		if err != nil {
			return err
		}
		as = info.as[k]
		if as == 0 {
			return fmt.Errorf("no %d-byte form", in.Size)
		}
	}
	next := int32(b + 1)
	for int(next) < len(e.f.Blocks) && e.skipped(int(next)) {
		next++
	}
	var err error
	operand := func(o Operand) obj.Addr {
		if err != nil {
			return obj.Addr{}
		}
		var a obj.Addr
		a, err = e.addr(o)
		return a
	}
	reg := func(o Operand) int16 {
		if err != nil {
			return 0
		}
		if o.Kind != KReg || o.Ext != ExtNone {
			err = fmt.Errorf("operand must be a plain register")
			return 0
		}
		if err = checkReg(o.Reg); err != nil {
			return 0
		}
		return goReg(o.Reg)
	}
	// golang-asm encodes an immediate zero second operand as register 0
	// in some forms: the zero register means the same everywhere.
	second := in.Src[1]
	if second.Kind == KImm && second.Imm == 0 && !info.float && !info.fsrc {
		second = R(ZR)
	}
	// The assembler looks for a logical immediate in the 64-bit value
	// even for W operations: give it the 32-bit pattern repeated.
	if second.Kind == KImm && in.Size == 4 && (in.Op == OpAnd || in.Op == OpOrr || in.Op == OpEor || in.Op == OpBic || in.Op == OpTst) {
		w := uint64(uint32(second.Imm))
		second.Imm = int64(w | w<<32)
	}
	var p *obj.Prog
	switch info.form {
	case fBin:
		p = e.prog(as)
		p.From = operand(second)
		p.Reg = reg(in.Src[0])
		p.To = operand(in.Dst)
	case fVec:
		return e.vec(in)
	case fUn:
		switch in.Op {
		case OpFmov:
			// All 128 bits: a register may hold a v128.
			if err := e.vregs(in.Dst, in.Src[0]); err != nil {
				return err
			}
			n := uint32(in.Src[0].Reg & 31)
			e.word(0x4ea01c00 | n<<16 | n<<5 | uint32(in.Dst.Reg&31))
			return nil
		case OpScvtf, OpUcvtf, OpFcvtzs, OpFcvtzu:
			as, err = convAs(in)
			if err != nil {
				return err
			}
		case OpCnt, OpUaddlv:
			p = e.prog(as)
			p.From = obj.Addr{Type: obj.TYPE_REG, Reg: arm64.REG_ARNG + (goVReg(in.Src[0].Reg) & 31) + (arm64.ARNG_8B&15)<<5}
			if in.Op == OpCnt {
				p.To = obj.Addr{Type: obj.TYPE_REG, Reg: arm64.REG_ARNG + (goVReg(in.Dst.Reg) & 31) + (arm64.ARNG_8B&15)<<5}
			} else {
				p.To = obj.Addr{Type: obj.TYPE_REG, Reg: goVReg(in.Dst.Reg)}
			}
			if !in.Src[0].Reg.IsFloat() || !in.Dst.Reg.IsFloat() {
				return fmt.Errorf("needs vector registers")
			}
			return nil
		}
		p = e.prog(as)
		p.From = operand(in.Src[0])
		p.To = operand(in.Dst)
	case fTern:
		p = e.prog(as)
		p.From = operand(in.Src[1])
		p.SetFrom3(operand(in.Src[0]))
		p.Reg = reg(in.Src[2])
		p.To = operand(in.Dst)
	case fMovImm:
		if in.Src[0].Kind != KImm || in.Dst.Kind != KReg {
			return fmt.Errorf("needs an immediate and a register")
		}
		if err := checkReg(in.Dst.Reg); err != nil {
			return err
		}
		if info.float && in.Size == 16 {
			e.vmovImm(in.Dst.Reg, in.Src[0].Imm, in.Src[1].Imm)
		} else if info.float {
			e.fmovImm(in.Dst.Reg, in.Src[0].Imm, in.Size)
		} else {
			e.movImm(in.Dst.Reg, in.Src[0].Imm, in.Size)
		}
		return nil
	case fLoad:
		if in.Src[0].Kind != KMem {
			return fmt.Errorf("load needs a memory operand")
		}
		if in.Op == OpFldr && in.Size == 16 {
			if in.Dst.Kind != KReg {
				return fmt.Errorf("load needs a register destination")
			}
			p, err = e.qmemSite(true, in.Dst.Reg, in.Src[0])
			if err != nil {
				return err
			}
			break
		}
		p = e.prog(as)
		p.From = operand(in.Src[0])
		p.To = operand(in.Dst)
	case fStore:
		if in.Dst.Kind != KMem {
			return fmt.Errorf("store needs a memory destination")
		}
		if in.Op == OpFstr && in.Size == 16 {
			if in.Src[0].Kind != KReg {
				return fmt.Errorf("store needs a register source")
			}
			p, err = e.qmemSite(false, in.Src[0].Reg, in.Dst)
			if err != nil {
				return err
			}
			break
		}
		p = e.prog(as)
		p.From = operand(in.Src[0])
		p.To = operand(in.Dst)
	case fCmp:
		p = e.prog(as)
		p.From = operand(second)
		p.Reg = reg(in.Src[0])
	case fCset:
		p = e.prog(as)
		p.From = goCond(in.Cond)
		p.To = operand(in.Dst)
	case fCsel:
		p = e.prog(as)
		p.From = goCond(in.Cond)
		p.Reg = reg(in.Src[0])
		p.SetFrom3(operand(in.Src[1]))
		p.To = operand(in.Dst)
	case fJmp:
		if t := e.thread(in.Target[0]); t != next {
			return e.jump(t)
		}
		return nil
	case fBcond, fCbz:
		t, f := e.thread(in.Target[0]), e.thread(in.Target[1])
		c, cas := in.Cond, as
		if t == next {
			t, f, c = f, t, c.Invert()
			switch in.Op {
			case OpCbz:
				cas = ops[OpCbnz].as[sizeIndexOr(in.Size)]
			case OpCbnz:
				cas = ops[OpCbz].as[sizeIndexOr(in.Size)]
			}
		}
		if info.form == fBcond {
			p = e.prog(bcondAs[c])
		} else {
			p = e.prog(cas)
			p.From = regAddr(in.Src[0].Reg)
			if err := checkReg(in.Src[0].Reg); err != nil {
				return err
			}
		}
		if err := e.branchTo(p, t); err != nil {
			return err
		}
		if f != next {
			return e.jump(f)
		}
		return nil
	case fRet:
		e.epilogue()
		p = e.prog(obj.ARET)
		p.To = regAddr(LR)
		return nil
	case fCall:
		if in.Func >= 0 {
			p = e.prog(arm64.ABL)
			p.To = obj.Addr{Type: obj.TYPE_BRANCH, Name: obj.NAME_EXTERN, Sym: e.funcs, Offset: int64(in.Func)}
		} else {
			target := in.Src[0]
			switch target.Kind {
			case KMem:
				q := e.prog(arm64.AMOVD)
				q.From = operand(target)
				q.To = regAddr(Scratch2)
				target = R(Scratch2)
			case KReg:
			default:
				return fmt.Errorf("call needs a target")
			}
			p = e.prog(arm64.ABL)
			p.To = regAddr(target.Reg)
		}
		if err != nil {
			return err
		}
		ret := e.newProg()
		ret.As = obj.ANOP
		e.add(ret)
		e.sites = append(e.sites, site{p: p, in: in, ret: ret})
		return nil
	case fTrap:
		e.trapCall(in)
		return nil
	case fBrk:
		p = e.prog(arm64.ABRK)
		p.From = constAddr(0)
		return nil
	case fParams:
		return nil
	case fExit:
		e.exit(in)
		return nil
	case fPoll:
		e.poll()
		return nil
	case fJmpTab:
		return e.jmpTab(in)
	default:
		return fmt.Errorf("unknown form")
	}
	if err != nil {
		return err
	}
	if in.Pos != 0 {
		e.sites = append(e.sites, site{p: p, in: in})
	}
	return nil
}

func sizeIndexOr(size uint8) int {
	if size == 4 {
		return 0
	}
	return 1
}

// convAs picks the conversion instruction by its integer and float sizes.
func convAs(in *Instr) (obj.As, error) {
	type key struct {
		op       Op
		dst, src uint8
	}
	as, ok := map[key]obj.As{
		{OpScvtf, 4, 4}: arm64.ASCVTFWS, {OpScvtf, 4, 8}: arm64.ASCVTFS,
		{OpScvtf, 8, 4}: arm64.ASCVTFWD, {OpScvtf, 8, 8}: arm64.ASCVTFD,
		{OpUcvtf, 4, 4}: arm64.AUCVTFWS, {OpUcvtf, 4, 8}: arm64.AUCVTFS,
		{OpUcvtf, 8, 4}: arm64.AUCVTFWD, {OpUcvtf, 8, 8}: arm64.AUCVTFD,
		{OpFcvtzs, 4, 4}: arm64.AFCVTZSSW, {OpFcvtzs, 4, 8}: arm64.AFCVTZSDW,
		{OpFcvtzs, 8, 4}: arm64.AFCVTZSS, {OpFcvtzs, 8, 8}: arm64.AFCVTZSD,
		{OpFcvtzu, 4, 4}: arm64.AFCVTZUSW, {OpFcvtzu, 4, 8}: arm64.AFCVTZUDW,
		{OpFcvtzu, 8, 4}: arm64.AFCVTZUS, {OpFcvtzu, 8, 8}: arm64.AFCVTZUD,
	}[key{in.Op, in.Size, in.SrcSize}]
	if !ok {
		return 0, fmt.Errorf("bad conversion sizes %d <- %d", in.Size, in.SrcSize)
	}
	return as, nil
}

// movImm sets r to v (the low 32 bits for size 4) in the fewest
// instructions: a logical immediate (orr with the zero register), else
// movz or movn of one halfword and movk of the others. The sequence is
// chosen here rather than by the assembler, whose 32-bit logical
// immediates are wrong for values like 0x80000001.
func (e *emitter) movImm(r Reg, v int64, size uint8) {
	bits := uint64(v)
	halves := 4
	if size == 4 {
		bits = uint64(uint32(v))
		halves = 2
	}
	if bits != 0 && logicalImm(bits, size) {
		imm := bits
		as := obj.As(arm64.AORR)
		if size == 4 {
			imm, as = bits|bits<<32, arm64.AORRW
		}
		p := e.prog(as)
		p.From, p.Reg, p.To = constAddr(int64(imm)), arm64.REGZERO, regAddr(r)
		return
	}
	half := func(k int) uint64 { return bits >> (16 * k) & 0xffff }
	zeros, ones := 0, 0
	for k := range halves {
		switch half(k) {
		case 0:
			zeros++
		case 0xffff:
			ones++
		}
	}
	// movn starts from all ones: worth it when more halfwords are 0xffff.
	// The moves are encoded here: the assembler refuses a movk of the top
	// halfword when its sign bit is set.
	inverted := ones > zeros
	skip, first := uint64(0), true
	if inverted {
		skip = 0xffff
	}
	sf := uint32(1) << 31
	if size == 4 {
		sf = 0
	}
	need := 0
	for k := range halves {
		if half(k) != skip {
			need++
		}
	}
	for k := range halves {
		h := half(k)
		if h == skip && (need > 0 || k > 0) {
			continue // all of v is skip: one move of halfword 0
		}
		op := uint32(0x72800000) // movk
		if first {
			op = 0x52800000 // movz
			if inverted {
				op, h = 0x12800000, h^0xffff // movn
			}
		}
		e.word(op | sf | uint32(k)<<21 | uint32(h)<<5 | uint32(r&31))
		first = false
	}
}

// fmovImm sets vector register r to the float of the given size and bits.
func (e *emitter) fmovImm(r Reg, bits int64, size uint8) {
	as := obj.As(arm64.AFMOVD)
	f := math.Float64frombits(uint64(bits))
	if size == 4 {
		as = arm64.AFMOVS
		bits = int64(uint32(bits))
		f = float64(math.Float32frombits(uint32(bits)))
	}
	if bits == 0 {
		p := e.prog(as)
		p.From, p.To = regAddr(ZR), regAddr(r)
		return
	}
	if fmovEncodable(uint64(bits), size) {
		p := e.prog(as)
		p.From = obj.Addr{Type: obj.TYPE_FCONST, Val: f}
		p.To = regAddr(r)
		return
	}
	e.movImm(Scratch2, bits, size)
	p := e.prog(as)
	p.From, p.To = regAddr(Scratch2), regAddr(r)
}

// fmovEncodable reports whether the float bits fit fmov's 8-bit
// immediate: ±n/16 × 2^e with n in [16,31] and e in [-3,4].
func fmovEncodable(bits uint64, size uint8) bool {
	if size == 4 {
		b := uint32(bits)
		if b&0x7ffff != 0 {
			return false
		}
		exp := (b >> 25) & 0x3f
		return exp == 0x1f || exp == 0x20
	}
	if bits&0xffff_ffff_ffff != 0 {
		return false
	}
	exp := (bits >> 54) & 0x1ff
	return exp == 0xff || exp == 0x100
}

// trapCall emits an explicit trap: a branch to the trap stub with the
// address of the brk that follows in x16 (the trap table's key). A branch,
// not blr, leaves x30 as the function had it, so that a backtrace finds
// the return address of a function that never saved it.
func (e *emitter) trapCall(in *Instr) {
	p := e.prog(arm64.AMOVD)
	p.From, p.To = memAddr(VMCtx, abi.VMCtxTrapStub), regAddr(Scratch2)
	brk := e.newProg()
	brk.As = arm64.ABRK
	brk.From = constAddr(0)
	e.add(e.adr(brk))
	p = e.prog(arm64.AB)
	p.To = memAddr(Scratch2, 0)
	e.sites = append(e.sites, site{p: p, in: in, trap: true})
	// The trap stub never returns; brk keeps the trap PC distinct from
	// the next instruction's and stops speculation.
	e.add(brk)
}

// adr emits adr x16, target.
func (e *emitter) adr(target *obj.Prog) *obj.Prog {
	p := e.newProg()
	p.As = arm64.AADR
	p.From.Type = obj.TYPE_BRANCH
	p.To = regAddr(Scratch)
	// The assembler takes an adr's target from Pool when To is a
	// register.
	p.Pool = target
	return p
}

// exit emits the host-call exit sequence: the exit argument, the resume
// PC in x16, and a jump through the host-call stub.
func (e *emitter) exit(in *Instr) {
	e.movImm(Scratch2, int64(in.Trap), 4)
	p := e.prog(arm64.AMOVW)
	p.From, p.To = regAddr(Scratch2), memAddr(VMCtx, abi.VMCtxExitArg)
	resume := e.newProg()
	resume.As = obj.ANOP
	e.add(e.adr(resume))
	p = e.prog(arm64.AMOVD)
	p.From, p.To = memAddr(VMCtx, abi.VMCtxHostCallStub), regAddr(Scratch2)
	p = e.prog(arm64.AB)
	p.To = memAddr(Scratch2, 0)
	e.add(resume)
	e.sites = append(e.sites, site{p: p, in: in, ret: resume})
}

// poll emits the preemption and interrupt check with its slow path out of
// line: g.stackguard0 == StackPreempt, compared with cmn as -StackPreempt
// fits an add immediate.
func (e *emitter) poll() {
	top := e.newProg()
	top.As = obj.ANOP
	e.add(top)
	p := e.prog(arm64.AMOVD)
	p.From, p.To = memAddr(VMCtx, abi.VMCtxG), regAddr(Scratch)
	p = e.prog(arm64.AMOVD)
	p.From, p.To = memAddr(Scratch, abi.GStackGuard0Offset), regAddr(Scratch)
	p = e.prog(arm64.ACMN)
	p.From, p.Reg = constAddr(int64(^abi.StackPreempt)+1), goReg(Scratch)
	slow := e.adr(top)
	p = e.prog(arm64.ABEQ)
	p.To.Type = obj.TYPE_BRANCH
	p.To.SetTarget(slow)
	ld := e.newProg()
	ld.As = arm64.AMOVD
	ld.From, ld.To = memAddr(VMCtx, abi.VMCtxPreemptStub), regAddr(Scratch2)
	br := e.newProg()
	br.As = arm64.AB
	br.To = memAddr(Scratch2, 0)
	e.cold = append(e.cold, slow, ld, br)
}

// jmpTab emits an inline table of 32-bit offsets from the table's start:
//
//	adr x16, table; ldrsw x17, [x16, w_idx, uxtw #2]; add x16, x16, x17; br x16
func (e *emitter) jmpTab(in *Instr) error {
	if in.Src[0].Kind != KReg || len(in.Table) == 0 {
		return fmt.Errorf("jmptab needs an index register and targets")
	}
	if err := checkReg(in.Src[0].Reg); err != nil {
		return err
	}
	tab := e.newProg()
	tab.As = arm64.AWORD
	tab.To = constAddr(0)
	e.add(e.adr(tab))
	p := e.prog(arm64.AMOVW)
	p.From = obj.Addr{Type: obj.TYPE_MEM, Reg: goReg(Scratch), Index: arm64.REG_UXTW + int16(in.Src[0].Reg&31) + 2<<5}
	p.To = regAddr(Scratch2)
	p = e.prog(arm64.AADD)
	p.From, p.Reg, p.To = regAddr(Scratch2), goReg(Scratch), regAddr(Scratch)
	p = e.prog(arm64.AB)
	p.To = memAddr(Scratch, 0)
	t := table{targets: in.Table}
	for k := range in.Table {
		w := tab
		if k > 0 {
			w = e.newProg()
			w.As = arm64.AWORD
			w.To = constAddr(0)
		}
		e.add(w)
		t.words = append(t.words, w)
	}
	e.tables = append(e.tables, t)
	return nil
}
