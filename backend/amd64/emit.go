package amd64

import (
	"encoding/binary"
	"fmt"
	"slices"
	"sync"

	"github.com/twitchyliquid64/golang-asm/obj"
	"github.com/twitchyliquid64/golang-asm/obj/x86"
	"github.com/twitchyliquid64/golang-asm/objabi"
	"github.com/wasiaot/wasiaot/backend"
	"github.com/wasiaot/wasiaot/runtime/abi"
	"github.com/wasiaot/wasiaot/runtime/trap"
)

// The emitted forms are the seam's (package backend).
type (
	Code     = backend.Code
	TrapSite = backend.TrapSite
	Position = backend.Position
)

var initOnce sync.Mutex

// assembler is a reusable golang-asm context: creating one costs more
// than assembling a small function.
type assembler struct {
	ctxt  *obj.Link
	errs  []string
	progs [][]obj.Prog // instruction chunks, reused by the next function
	sites []site       // reused by the next function
	// Reused by the next function: the symbol keeps the capacity of its
	// relocations (not of its code: golang-asm takes a symbol with code
	// as assembled already).
	sym    obj.LSym
	fn     obj.FuncInfo
	labels []*obj.Prog
	pcrel  map[*obj.LSym]*obj.Prog
	jumps  []localJump
	layout jumpLayout
}

func init() {
	// golang-asm pads jumps so that none crosses or ends on a 32-byte
	// boundary, a workaround for the JCC erratum of some Skylake-derived
	// Intel cores (with its microcode update). It costs every target code
	// size and assembler passes, and measured no faster here
	// (BenchmarkKernels in testsuite), so wasiaot does not pad.
	objabi.GOAMD64 = "normaljumps"
}

func newAssembler() *assembler {
	initOnce.Lock()
	defer initOnce.Unlock()
	a := &assembler{ctxt: obj.Linknew(&x86.Linkamd64)}
	a.ctxt.Headtype = objabi.Hlinux
	a.ctxt.DiagFunc = func(format string, args ...any) {
		a.errs = append(a.errs, fmt.Sprintf(format, args...))
	}
	x86.Linkamd64.Init(a.ctxt)
	return a
}

var assemblers = sync.Pool{New: func() any { return newAssembler() }}

// Emitter emits functions one after the other with the same assembler
// state, which a sync.Pool would drop at every garbage collection. It is
// not safe for concurrent use.
type Emitter struct{ asm *assembler }

// NewEmitter returns an Emitter.
func NewEmitter() *Emitter { return &Emitter{asm: newAssembler()} }

// Emit is the package-level Emit with em's assembler.
func (em *Emitter) Emit(f *Func) (*Code, error) { return emit(f, em.asm) }

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

type emitter struct {
	f      *Func
	ctxt   *obj.Link
	first  *obj.Prog
	last   *obj.Prog
	labels []*obj.Prog
	consts *obj.LSym
	funcs  *obj.LSym
	sites  []site
	// cold holds out-of-line code (poll slow paths) placed after the
	// last block.
	cold []*obj.Prog
	// pcrel maps the symbols of RIP-relative LEAs to the instruction whose
	// address they load.
	pcrel map[*obj.LSym]*obj.Prog
	// tables are the jump tables, filled in after assembly.
	tables []*Instr
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

// Emit assembles an allocated function.
func Emit(f *Func) (*Code, error) {
	asm := assemblers.Get().(*assembler)
	defer assemblers.Put(asm)
	return emit(f, asm)
}

func emit(f *Func, asm *assembler) (code *Code, err error) {
	if !f.allocated {
		return nil, fmt.Errorf("amd64: %s: emit before register allocation", f.Name)
	}
	asm.errs = asm.errs[:0]
	e := &emitter{f: f, ctxt: asm.ctxt, asm: asm, sites: asm.sites[:0]}
	defer func() {
		clear(e.sites) // drop the references to f and the instructions
		asm.sites = e.sites[:0]
	}()
	e.consts = &obj.LSym{Name: "wasiaot.consts"}
	e.funcs = &obj.LSym{Name: "wasiaot.funcs"}
	if asm.pcrel == nil {
		asm.pcrel = map[*obj.LSym]*obj.Prog{}
	}
	e.pcrel = asm.pcrel
	defer clear(asm.pcrel)
	e.labels = slices.Grow(asm.labels[:0], len(f.Blocks))[:len(f.Blocks)]
	defer func() {
		clear(e.labels)
		asm.labels = e.labels[:0]
	}()
	for b := range f.Blocks {
		e.labels[b] = e.newProg()
		e.labels[b].As = obj.ANOP
	}
	constOff, poolSize := layoutConsts(f.Consts)
	e.prologue()
	for b, blk := range f.Blocks {
		e.add(e.labels[b])
		if b > 0 && e.skipped(b) {
			continue // every jump to it goes straight to its target
		}
		for i := range blk.Instrs {
			if in := &blk.Instrs[i]; isZeroMov(in) && flagsDeadAfter(blk.Instrs[i+1:]) {
				// xor r32, r32: 2-3 bytes instead of 5-7, and a zeroing
				// idiom the CPU resolves at rename. It writes the flags,
				// which nothing reads before they are written again.
				p := e.prog(x86.AXORL)
				p.From, p.To = regAddr(in.Dst.Reg), regAddr(in.Dst.Reg)
				continue
			}
			if err := e.instr(b, &blk.Instrs[i], constOff); err != nil {
				return nil, fmt.Errorf("amd64: %s: b%d: %s: %v", f.Name, b, f.InstrString(&blk.Instrs[i]), err)
			}
		}
	}
	for _, p := range e.cold {
		e.add(p)
	}
	asm.fn = obj.FuncInfo{Text: e.first}
	asm.sym = obj.LSym{Name: f.Name, Func: &asm.fn, R: asm.sym.R[:0]}
	sym := &asm.sym
	defer func() { asm.fn.Text = nil }() // drop the references to the Progs
	jumps := asm.jumps[:0]
	if layoutJumpsHere {
		jumps = takeJumps(e.first, jumps)
	}
	defer func() {
		clear(jumps)
		asm.jumps = jumps[:0]
		clear(asm.layout.progs)
	}()
	func() {
		defer func() {
			if r := recover(); r != nil {
				asm.errs = append(asm.errs, fmt.Sprint(r))
			}
		}()
		x86.Linkamd64.Assemble(e.ctxt, sym, e.newProg)
		if len(asm.errs) == 0 {
			asm.layout.layoutJumps(e.first, sym, jumps)
		}
	}()
	if len(asm.errs) > 0 {
		return nil, fmt.Errorf("amd64: %s: assembler: %s", f.Name, asm.errs[0])
	}
	code = &Code{CodeSize: len(sym.P)}
	pool := (len(sym.P) + 15) &^ 15
	code.Bytes = make([]byte, pool+poolSize)
	copy(code.Bytes, sym.P)
	for i := len(sym.P); i < pool; i++ {
		code.Bytes[i] = 0xcc // int3 between code and data
	}
	for i, c := range f.Consts {
		copy(code.Bytes[pool+constOff[i]:], c.Data)
	}
	for _, r := range sym.R {
		switch r.Sym {
		case e.consts:
			// PC-relative to the end of the 4-byte field.
			v := int64(pool) + r.Add - int64(r.Off) - int64(r.Siz)
			binary.LittleEndian.PutUint32(code.Bytes[r.Off:], uint32(int32(v)))
		case e.funcs:
			binary.LittleEndian.PutUint32(code.Bytes[r.Off:], 0)
			code.Relocs = append(code.Relocs, backend.Reloc{Offset: r.Off, Kind: backend.RelocAMD64Rel32, Func: int32(r.Add)})
		default:
			if target, ok := e.pcrel[r.Sym]; ok {
				v := target.Pc + r.Add - int64(r.Off) - int64(r.Siz)
				binary.LittleEndian.PutUint32(code.Bytes[r.Off:], uint32(int32(v)))
				continue
			}
			if r.Type == objabi.R_CALLIND && r.Siz == 0 {
				continue // a marker on indirect calls, nothing to patch
			}
			return nil, fmt.Errorf("amd64: %s: unexpected relocation %v", f.Name, r.Type)
		}
	}
	for _, in := range e.tables {
		// Entries are target offsets from the table's start.
		c := in.Src[1].ConstIndex()
		at := pool + constOff[c]
		for k, t := range f.Targets(in.Table) {
			v := e.labels[e.thread(t)].Pc - int64(at)
			binary.LittleEndian.PutUint64(code.Bytes[at+8*k:], uint64(v))
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
			// Keyed by the return address only: the call itself cannot fault, so it is not a
			// position (see Code.Positions).
			code.Traps = append(code.Traps, TrapSite{Offset: int32(s.p.Pc) + int32(s.p.Isize), Kind: trap.Kind(s.in.Trap), Pos: s.in.Pos})
			continue
		}
		if s.in.Pos != 0 {
			code.Positions = append(code.Positions, Position{Offset: int32(s.p.Pc), Pos: s.in.Pos})
		}
	}
	return code, nil
}

func layoutConsts(cs []Const) ([]int, int) {
	offs := make([]int, len(cs))
	n := 0
	for i, c := range cs {
		a := max(c.Align, 1)
		n = (n + a - 1) / a * a
		offs[i] = n
		n += len(c.Data)
	}
	return offs, n
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

func (e *emitter) addr(o Operand, constOff []int) (obj.Addr, error) {
	switch o.Kind {
	case KReg:
		if o.Reg.IsVirtual() || o.Reg == NoReg {
			return obj.Addr{}, fmt.Errorf("unallocated register %s", o.Reg)
		}
		return regAddr(o.Reg), nil
	case KImm:
		return obj.Addr{Type: obj.TYPE_CONST, Offset: o.Imm}, nil
	case KMem:
		a := obj.Addr{Type: obj.TYPE_MEM, Offset: int64(o.Disp)}
		if o.Reg == InArgs {
			// Above the frame, the pushes and the return address.
			a.Reg = goReg(RSP)
			a.Offset += int64(e.f.frameSize) + 8*int64(len(e.f.calleeSaved)) + 8
		} else if o.Reg != NoReg {
			if o.Reg.IsVirtual() {
				return a, fmt.Errorf("unallocated register %s", o.Reg)
			}
			a.Reg = goReg(o.Reg)
		}
		if o.Index != NoReg {
			if o.Index.IsVirtual() || o.Index == RSP {
				return a, fmt.Errorf("bad index register %s", o.Index)
			}
			a.Index, a.Scale = goReg(o.Index), int16(o.Scale)
		}
		return a, nil
	case KConst:
		if int(o.ConstIndex()) >= len(constOff) || o.ConstIndex() < 0 {
			return obj.Addr{}, fmt.Errorf("unknown constant %d", o.ConstIndex())
		}
		return obj.Addr{Type: obj.TYPE_MEM, Name: obj.NAME_EXTERN, Sym: e.consts, Offset: int64(constOff[o.ConstIndex()])}, nil
	}
	return obj.Addr{}, fmt.Errorf("missing operand")
}

// BigFrame is the frame size above which the prologue checks the stack
// limit instead of relying on the guard region (docs/abi.md).
const BigFrame = 32 << 10

func (e *emitter) prologue() {
	if drop := int64(e.f.frameSize) + 8*int64(len(e.f.calleeSaved)); drop > BigFrame {
		p := e.prog(x86.ALEAQ)
		p.From = obj.Addr{Type: obj.TYPE_MEM, Reg: goReg(RSP), Offset: -drop}
		p.To = regAddr(Scratch)
		p = e.prog(x86.ACMPQ)
		p.From = regAddr(Scratch)
		p.To = obj.Addr{Type: obj.TYPE_MEM, Reg: goReg(VMCtx), Offset: abi.VMCtxStackLimit}
		ok := e.newProg()
		ok.As = obj.ANOP
		p = e.prog(x86.AJCC)
		p.To.Type = obj.TYPE_BRANCH
		p.To.SetTarget(ok)
		p = e.prog(obj.ACALL)
		p.To = obj.Addr{Type: obj.TYPE_MEM, Reg: goReg(VMCtx), Offset: abi.VMCtxTrapStub}
		e.sites = append(e.sites, site{p: p, in: &Instr{Trap: uint32(trap.StackExhausted)}, trap: true})
		e.add(ok)
	}
	for _, r := range e.f.calleeSaved {
		p := e.prog(x86.APUSHQ)
		p.From = regAddr(r)
	}
	if e.f.frameSize > 0 {
		p := e.prog(x86.ASUBQ)
		p.From = obj.Addr{Type: obj.TYPE_CONST, Offset: int64(e.f.frameSize)}
		p.To = regAddr(RSP)
	}
}

func (e *emitter) epilogue() {
	if e.f.frameSize > 0 {
		p := e.prog(x86.AADDQ)
		p.From = obj.Addr{Type: obj.TYPE_CONST, Offset: int64(e.f.frameSize)}
		p.To = regAddr(RSP)
	}
	for i := len(e.f.calleeSaved) - 1; i >= 0; i-- {
		p := e.prog(x86.APOPQ)
		p.To = regAddr(e.f.calleeSaved[i])
	}
}

// onlyJump reports whether block b is a lone jump.
func (e *emitter) onlyJump(b int) bool {
	blk := e.f.Blocks[b]
	return len(blk.Instrs) == 1 && blk.Instrs[0].Op == OpJmp
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

func (e *emitter) jump(as obj.As, target int32) error {
	if target < 0 || int(target) >= len(e.labels) {
		return fmt.Errorf("unknown block b%d", target)
	}
	p := e.prog(as)
	p.To.Type = obj.TYPE_BRANCH
	p.To.SetTarget(e.labels[target])
	return nil
}

func (e *emitter) instr(b int, in *Instr, constOff []int) error {
	info := &ops[in.Op]
	as := info.as[0]
	if info.sized() {
		if in.Size != 1 && in.Size != 2 && in.Size != 4 && in.Size != 8 {
			return fmt.Errorf("bad size %d", in.Size)
		}
		as = info.as[sizeIndex(in.Size)]
		if as == 0 {
			return fmt.Errorf("no %d-byte form", in.Size)
		}
	}
	next := int32(b + 1)
	for int(next) < len(e.f.Blocks) && e.skipped(int(next)) {
		next++ // skipped blocks emit nothing
	}
	var p *obj.Prog
	var err error
	operand := func(o Operand) obj.Addr {
		if err != nil {
			return obj.Addr{}
		}
		var a obj.Addr
		a, err = e.addr(o, constOff)
		return a
	}
	if e.f.VEX && in.Op.hasVEX() {
		var verr error
		if p, verr = e.vex(in, operand); verr != nil {
			return verr
		}
		goto done
	}
	switch info.form {
	case fBin, fUn, fShift, fCmov:
		if in.Dst.Kind != KReg || in.Src[0].Kind != KReg || in.Dst.Reg != in.Src[0].Reg {
			return fmt.Errorf("destination must be the first source register")
		}
		if info.form == fShift && in.Src[1].Kind == KReg && in.Src[1].Reg != RCX {
			return fmt.Errorf("shift count must be in rcx")
		}
		if info.form == fCmov {
			as = cmovQAs[in.Cond]
			if in.Size == 4 {
				as = cmovLAs[in.Cond]
			}
		}
		p = e.prog(as)
		if info.form != fUn {
			p.From = operand(in.Src[1])
		}
		p.To = operand(in.Dst)
	case fMov:
		p = e.prog(as)
		switch {
		case in.Op == OpImul3 || in.Op == OpRorx || in.Op == OpRoundss || in.Op == OpRoundsd || in.Op.isVec() && in.Src[1].Kind != KNone:
			if in.Src[1].Kind != KImm {
				return fmt.Errorf("needs an immediate")
			}
			p.From = operand(in.Src[1])
			p.SetFrom3(operand(in.Src[0]))
		default:
			p.From = operand(in.Src[0])
		}
		p.To = operand(in.Dst)
	case fBinImm:
		if in.Dst.Kind != KReg || in.Src[0].Kind != KReg || in.Dst.Reg != in.Src[0].Reg {
			return fmt.Errorf("destination must be the first source register")
		}
		if in.Src[2].Kind != KImm {
			return fmt.Errorf("needs an immediate")
		}
		p = e.prog(as)
		if in.Op == OpCmpps || in.Op == OpCmppd {
			// Go's order: source, destination, predicate.
			p.From = operand(in.Src[1])
			p.SetFrom3(operand(in.Dst))
			p.To = operand(in.Src[2])
			break
		}
		p.From = operand(in.Src[2])
		p.SetFrom3(operand(in.Src[1]))
		p.To = operand(in.Dst)
	case fStore:
		p = e.prog(as)
		p.From = operand(in.Src[0])
		p.To = operand(in.Dst)
	case fBin3:
		// Intel's op dst, src0, src1 is Go's OP src1, src0, dst.
		if in.Dst.Kind != KReg || in.Src[0].Kind != KReg || in.Src[1].Kind != KReg {
			return fmt.Errorf("needs three registers")
		}
		p = e.prog(as)
		p.From = operand(in.Src[1])
		p.SetFrom3(operand(in.Src[0]))
		p.To = operand(in.Dst)
	case fCmp:
		p = e.prog(as)
		if in.Op == OpCmp {
			// Go's CMP keeps Intel operand order.
			p.From, p.To = operand(in.Src[0]), operand(in.Src[1])
		} else {
			p.From, p.To = operand(in.Src[1]), operand(in.Src[0])
		}
	case fSet:
		p = e.prog(setAs[in.Cond])
		p.To = operand(in.Dst)
	case fDiv:
		if in.Src[0].Reg != RAX || in.Src[1].Reg != RDX || in.Dst.Reg != RAX || in.Dst2 != RDX {
			return fmt.Errorf("div uses rdx:rax")
		}
		p = e.prog(as)
		p.From = operand(in.Src[2])
	case fExt:
		if in.Src[0].Reg != RAX || in.Dst.Reg != RDX {
			return fmt.Errorf("sext reads rax and writes rdx")
		}
		p = e.prog(as)
	case fJmp:
		if t := e.thread(in.Target[0]); t != next {
			return e.jump(obj.AJMP, t)
		}
		return nil
	case fJcc:
		t, f, c := e.thread(in.Target[0]), e.thread(in.Target[1]), in.Cond
		if t == next {
			t, f, c = f, t, c.Invert()
		}
		if err := e.jump(jccAs[c], t); err != nil {
			return err
		}
		if f != next {
			return e.jump(obj.AJMP, f)
		}
		return nil
	case fRet:
		e.epilogue()
		p = e.prog(obj.ARET)
	case fCall:
		p = e.prog(obj.ACALL)
		if in.Func >= 0 {
			p.To = obj.Addr{Type: obj.TYPE_BRANCH, Name: obj.NAME_EXTERN, Sym: e.funcs, Offset: int64(in.Func)}
		} else {
			p.To = operand(in.Src[0])
		}
	case fTrap:
		p = e.prog(obj.ACALL)
		p.To = obj.Addr{Type: obj.TYPE_MEM, Reg: goReg(VMCtx), Offset: abi.VMCtxTrapStub}
		e.sites = append(e.sites, site{p: p, in: in, trap: true})
		// The trap stub never returns; ud2 keeps the return address
		// distinct from the next instruction's (a fault site) and stops
		// speculation.
		e.prog(x86.AUD2)
		return nil
	case fUD2:
		p = e.prog(x86.AUD2)
	case fParams:
		return nil
	case fExit:
		e.exit(in)
		return nil
	case fPoll:
		e.poll()
		return nil
	case fRep:
		src := RSI
		if in.Op == OpRepStosb {
			src = RAX
		}
		if in.Src[0].Reg != RDI || in.Src[1].Reg != src || in.Src[2].Reg != RCX {
			return fmt.Errorf("%s uses rdi, %s and rcx", info.name, src)
		}
		if in.Op == OpRepMovsbBack {
			e.prog(x86.ASTD)
		}
		e.prog(x86.AREP)
		p = e.prog(as)
		if in.Op == OpRepMovsbBack {
			e.prog(x86.ACLD)
		}
		return nil
	case fJmpTab:
		// lea r11, [rip+table]; add r11, [r11+8*index]; jmp r11
		if in.Src[0].Kind != KReg || in.Src[1].Kind != KConst || int(in.Src[1].ConstIndex()) >= len(e.f.Consts) || len(e.f.Consts[in.Src[1].ConstIndex()].Data) != 8*int(in.Table.Len) {
			return fmt.Errorf("jmptab needs an index register and a table of %d entries", in.Table.Len)
		}
		p = e.prog(x86.ALEAQ)
		p.From = operand(in.Src[1])
		p.To = regAddr(Scratch)
		idx := operand(in.Src[0])
		if err != nil {
			return err
		}
		p = e.prog(x86.AADDQ)
		p.From = obj.Addr{Type: obj.TYPE_MEM, Reg: goReg(Scratch), Index: idx.Reg, Scale: 8}
		p.To = regAddr(Scratch)
		p = e.prog(obj.AJMP)
		p.To = regAddr(Scratch)
		e.tables = append(e.tables, in)
		return nil
	}
done:
	if err != nil {
		return err
	}
	if in.Op == OpCall {
		ret := e.newProg()
		ret.As = obj.ANOP
		e.add(ret)
		e.sites = append(e.sites, site{p: p, in: in, ret: ret})
		return nil
	}
	if in.Pos != 0 {
		e.sites = append(e.sites, site{p: p, in: in})
	}
	return nil
}

func vmctxMem(off int64) obj.Addr {
	return obj.Addr{Type: obj.TYPE_MEM, Reg: goReg(VMCtx), Offset: off}
}

// leaPC emits lea r11, [rip+target].
func (e *emitter) leaPC(target *obj.Prog) *obj.Prog {
	sym := &obj.LSym{Name: "wasiaot.pc"}
	e.pcrel[sym] = target
	p := e.newProg()
	p.As = x86.ALEAQ
	p.From = obj.Addr{Type: obj.TYPE_MEM, Name: obj.NAME_EXTERN, Sym: sym}
	p.To = regAddr(Scratch)
	return p
}

// exit emits the host-call exit sequence of docs/abi.md.
func (e *emitter) exit(in *Instr) {
	p := e.prog(x86.AMOVL)
	p.From = obj.Addr{Type: obj.TYPE_CONST, Offset: int64(in.Trap)}
	p.To = vmctxMem(abi.VMCtxExitArg)
	resume := e.newProg()
	resume.As = obj.ANOP
	e.add(e.leaPC(resume))
	p = e.prog(obj.AJMP)
	p.To = vmctxMem(abi.VMCtxHostCallStub)
	e.add(resume)
	e.sites = append(e.sites, site{p: p, in: in, ret: resume})
}

// poll emits the preemption and interrupt check of docs/abi.md with its
// slow path out of line.
func (e *emitter) poll() {
	top := e.newProg()
	top.As = obj.ANOP
	e.add(top)
	p := e.prog(x86.AMOVQ)
	p.From = vmctxMem(abi.VMCtxG)
	p.To = regAddr(Scratch)
	p = e.prog(x86.ACMPQ)
	p.From = obj.Addr{Type: obj.TYPE_MEM, Reg: goReg(Scratch), Offset: abi.GStackGuard0Offset}
	p.To = obj.Addr{Type: obj.TYPE_CONST, Offset: -int64(^abi.StackPreempt) - 1}
	slow := e.leaPC(top)
	p = e.prog(x86.AJEQ)
	p.To.Type = obj.TYPE_BRANCH
	p.To.SetTarget(slow)
	// An interrupt sets the same word (native.Context.Interrupt), so one
	// compare serves both.
	jmp := e.newProg()
	jmp.As = obj.AJMP
	jmp.To = vmctxMem(abi.VMCtxPreemptStub)
	slow.Link = jmp
	e.cold = append(e.cold, slow, jmp)
}

// isZeroMov reports whether in sets an integer register to zero.
func isZeroMov(in *Instr) bool {
	return in.Op == OpMov && (in.Size == 4 || in.Size == 8) && in.Dst.Kind == KReg &&
		in.Src[0].Kind == KImm && in.Src[0].Imm == 0 && !in.Dst.Reg.IsVirtual()
}

// flagsDeadAfter reports whether the flags are written by one of rest
// before any of them reads the flags. Without a write in the block, the
// flags may be read further on (a branch can continue the compare of the
// block before), so the answer is no. Instructions that do not touch the
// flags, or that write them but are not counted as writing here, are
// passed over: that can only make the answer no.
func flagsDeadAfter(rest []Instr) bool {
	for i := range rest {
		in := &rest[i]
		switch ops[in.Op].form {
		case fBin, fUn:
			if ops[in.Op].sized() { // integer ALU; SSE arithmetic leaves them
				return true
			}
		case fCmp, fDiv, fCall, fExit, fTrap, fPoll:
			return true
		case fShift:
			// A shift by a zero count leaves the flags alone.
			if in.Src[1].Kind != KImm || in.Src[1].Imm&31 == 0 {
				return false
			}
			return true
		case fJcc, fSet, fCmov, fJmp, fRet, fJmpTab, fUD2:
			return false
		}
	}
	return false
}
