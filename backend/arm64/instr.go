package arm64

import (
	"github.com/twitchyliquid64/golang-asm/obj"
	"github.com/twitchyliquid64/golang-asm/obj/arm64"
)

// OperandKind says what an Operand holds.
type OperandKind uint8

const (
	KNone OperandKind = iota
	KReg              // a register, possibly shifted or extended (Ext, Amount)
	KImm              // an immediate
	KMem              // memory at Base + Disp, or Base + Index (extended, scaled)
)

// Ext is the shift or extension applied to a register operand, or to the
// index register of a memory operand.
type Ext uint8

const (
	ExtNone Ext = iota
	ExtLSL      // shifted left by Amount
	ExtLSR
	ExtASR
	ExtUXTW // the low 32 bits zero-extended (memory: then scaled when Amount != 0)
	ExtSXTW // the low 32 bits sign-extended
)

var extNames = [...]string{"", "lsl", "lsr", "asr", "uxtw", "sxtw"}

// Operand is one operand of an instruction.
type Operand struct {
	Kind   OperandKind
	Ext    Ext
	Amount uint8
	Reg    Reg   // KReg: the register; KMem: the base
	Index  Reg   // KMem: the index register or NoReg
	Disp   int32 // KMem, without an index
	Imm    int64 // KImm
}

func R(r Reg) Operand     { return Operand{Kind: KReg, Reg: r, Index: NoReg} }
func Imm(v int64) Operand { return Operand{Kind: KImm, Imm: v, Reg: NoReg, Index: NoReg} }

// Shifted returns r shifted by amount.
func Shifted(r Reg, e Ext, amount uint8) Operand {
	return Operand{Kind: KReg, Reg: r, Ext: e, Amount: amount, Index: NoReg}
}

// Base returns [base+disp].
func Base(base Reg, disp int32) Operand {
	return Operand{Kind: KMem, Reg: base, Index: NoReg, Disp: disp}
}

// Indexed returns [base, index, ext #amount]; amount is 0 or log2 of the
// access size.
func Indexed(base, index Reg, e Ext, amount uint8) Operand {
	return Operand{Kind: KMem, Reg: base, Index: index, Ext: e, Amount: amount}
}

// Cond is a condition code, numbered as the hardware encodes it.
type Cond uint8

const (
	CondEQ Cond = iota
	CondNE
	CondHS // unsigned >= (carry set)
	CondLO // unsigned <
	CondMI // negative; float <
	CondPL
	CondVS // overflow; float unordered
	CondVC
	CondHI // unsigned >
	CondLS // unsigned <=; float <=
	CondGE
	CondLT
	CondGT
	CondLE
	CondAL
	numConds = 15
)

var condNames = [numConds]string{"eq", "ne", "hs", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al"}

func (c Cond) String() string { return condNames[c] }

// Invert returns the opposite condition.
func (c Cond) Invert() Cond { return c ^ 1 }

// goCond maps a condition to golang-asm's condition register operand.
func goCond(c Cond) obj.Addr { return obj.Addr{Type: obj.TYPE_REG, Reg: arm64.COND_EQ + int16(c)} }

// form says which operands an instruction reads and writes.
type form uint8

const (
	fBin    form = iota // Dst = Src0 op Src1 (register, shifted/extended register, or immediate)
	fUn                 // Dst = op Src0
	fTern               // Dst = Src2 ± Src0*Src1 (madd, msub)
	fMovImm             // Dst = Src0 immediate (any 64-bit value, or float bits)
	fLoad               // Dst = memory Src0
	fStore              // memory Dst = Src0
	fCmp                // flags = Src0 compared with Src1
	fCset               // Dst = Cond ? 1 : 0
	fCsel               // Dst = Cond ? Src0 : Src1
	fJmp                // jump to Target[0]
	fBcond              // jump to Target[0] if Cond, else Target[1]
	fCbz                // jump to Target[0] if Src0 is zero (cbz) or nonzero (cbnz), else Target[1]
	fRet                // return Args
	fCall               // call Func or Src0 (a register, or [mem] loaded into scratch) with Args, defining Rets
	fTrap               // raise trap Trap
	fBrk                // undefined instruction
	fParams             // defines the incoming arguments Args (no code)
	fExit               // leave through the host-call stub with ExitArg Trap
	fPoll               // preemption and interrupt poll
	fJmpTab             // jump to Table[Src0] (an in-range index)
	fVec                // one Advanced SIMD instruction word (Enc) over Dst, Src0, Src1 (see neon.go)
)

// Op is a machine operation.
type Op uint8

type opInfo struct {
	name  string
	form  form
	as    [2]obj.As // by size 4 (W or S) and 8 (X or D)
	float bool      // the destination (or stored value) is a vector register
	fsrc  bool      // the register sources are vector registers
}

const (
	OpAdd Op = iota
	OpSub
	OpAnd
	OpOrr
	OpEor
	OpBic
	OpLsl
	OpLsr
	OpAsr
	OpRor
	OpMul
	OpSdiv
	OpUdiv
	OpMadd
	OpMsub
	OpNeg
	OpMvn
	OpClz
	OpRbit
	OpSxtb
	OpSxth
	OpSxtw
	OpUxtb
	OpUxth
	OpUxtw // mov w, w: zero-extends
	OpMov  // full register copy
	OpMovImm
	OpLdrb  // zero-extending byte load
	OpLdrsb // sign-extending byte load (to 64 bits)
	OpLdrh  // zero-extending halfword load
	OpLdrsh // sign-extending halfword load (to 64 bits)
	OpLdrw  // zero-extending word load
	OpLdrsw // sign-extending word load
	OpLdr   // doubleword load
	OpStrb  // byte store
	OpStrh  // halfword store
	OpStr   // word (Size 4) or doubleword store
	OpFldr  // float load (Size 4 or 8; 16 for a full vector register)
	OpFstr  // float store
	OpCmp   // subs zr
	OpCmn   // adds zr
	OpTst   // ands zr
	OpCset
	OpCsel
	OpFadd
	OpFsub
	OpFmul
	OpFdiv
	OpFmin
	OpFmax
	OpFsqrt
	OpFabs
	OpFneg
	OpFrintn
	OpFrintp
	OpFrintm
	OpFrintz
	OpFcvtsd // f32 to f64
	OpFcvtds // f64 to f32
	OpScvtf  // Size: float size; SrcSize: integer size
	OpUcvtf
	OpFcvtzs // Size: integer size; SrcSize: float size
	OpFcvtzu
	OpFmovToF   // Dst vector = bits of Src0 general (Size 4 or 8)
	OpFmovFromF // Dst general = bits of Src0 vector
	OpFmov      // full vector register copy
	OpFmovImm   // Dst vector = float bits Src0
	OpFcmp
	OpFcsel
	OpCnt    // Dst.8b = per-byte popcount of Src0.8b
	OpUaddlv // Dst (h) = sum of the bytes of Src0.8b
	OpB
	OpBcond
	OpCbz
	OpCbnz
	OpRet
	OpCall
	OpTrap
	OpBrk
	OpParams
	OpExit
	OpPoll
	OpJmpTab
	OpVec
	numOps
)

func wx(w, x obj.As) [2]obj.As { return [2]obj.As{w, x} }

var ops = [numOps]opInfo{
	OpAdd:       {name: "add", form: fBin, as: wx(arm64.AADDW, arm64.AADD)},
	OpSub:       {name: "sub", form: fBin, as: wx(arm64.ASUBW, arm64.ASUB)},
	OpAnd:       {name: "and", form: fBin, as: wx(arm64.AANDW, arm64.AAND)},
	OpOrr:       {name: "orr", form: fBin, as: wx(arm64.AORRW, arm64.AORR)},
	OpEor:       {name: "eor", form: fBin, as: wx(arm64.AEORW, arm64.AEOR)},
	OpBic:       {name: "bic", form: fBin, as: wx(arm64.ABICW, arm64.ABIC)},
	OpLsl:       {name: "lsl", form: fBin, as: wx(arm64.ALSLW, arm64.ALSL)},
	OpLsr:       {name: "lsr", form: fBin, as: wx(arm64.ALSRW, arm64.ALSR)},
	OpAsr:       {name: "asr", form: fBin, as: wx(arm64.AASRW, arm64.AASR)},
	OpRor:       {name: "ror", form: fBin, as: wx(arm64.ARORW, arm64.AROR)},
	OpMul:       {name: "mul", form: fBin, as: wx(arm64.AMULW, arm64.AMUL)},
	OpSdiv:      {name: "sdiv", form: fBin, as: wx(arm64.ASDIVW, arm64.ASDIV)},
	OpUdiv:      {name: "udiv", form: fBin, as: wx(arm64.AUDIVW, arm64.AUDIV)},
	OpMadd:      {name: "madd", form: fTern, as: wx(arm64.AMADDW, arm64.AMADD)},
	OpMsub:      {name: "msub", form: fTern, as: wx(arm64.AMSUBW, arm64.AMSUB)},
	OpNeg:       {name: "neg", form: fUn, as: wx(arm64.ANEGW, arm64.ANEG)},
	OpMvn:       {name: "mvn", form: fUn, as: wx(arm64.AMVNW, arm64.AMVN)},
	OpClz:       {name: "clz", form: fUn, as: wx(arm64.ACLZW, arm64.ACLZ)},
	OpRbit:      {name: "rbit", form: fUn, as: wx(arm64.ARBITW, arm64.ARBIT)},
	OpSxtb:      {name: "sxtb", form: fUn, as: wx(arm64.ASXTBW, arm64.ASXTB)},
	OpSxth:      {name: "sxth", form: fUn, as: wx(arm64.ASXTHW, arm64.ASXTH)},
	OpSxtw:      {name: "sxtw", form: fUn, as: wx(0, arm64.ASXTW)},
	OpUxtb:      {name: "uxtb", form: fUn, as: wx(arm64.AUXTBW, arm64.AUXTB)},
	OpUxth:      {name: "uxth", form: fUn, as: wx(arm64.AUXTHW, arm64.AUXTH)},
	OpUxtw:      {name: "uxtw", form: fUn, as: wx(arm64.AMOVWU, arm64.AMOVWU)},
	OpMov:       {name: "mov", form: fUn, as: wx(arm64.AMOVD, arm64.AMOVD)},
	OpMovImm:    {name: "movimm", form: fMovImm},
	OpLdrb:      {name: "ldrb", form: fLoad, as: wx(arm64.AMOVBU, arm64.AMOVBU)},
	OpLdrsb:     {name: "ldrsb", form: fLoad, as: wx(arm64.AMOVB, arm64.AMOVB)},
	OpLdrh:      {name: "ldrh", form: fLoad, as: wx(arm64.AMOVHU, arm64.AMOVHU)},
	OpLdrsh:     {name: "ldrsh", form: fLoad, as: wx(arm64.AMOVH, arm64.AMOVH)},
	OpLdrw:      {name: "ldrw", form: fLoad, as: wx(arm64.AMOVWU, arm64.AMOVWU)},
	OpLdrsw:     {name: "ldrsw", form: fLoad, as: wx(arm64.AMOVW, arm64.AMOVW)},
	OpLdr:       {name: "ldr", form: fLoad, as: wx(arm64.AMOVD, arm64.AMOVD)},
	OpStrb:      {name: "strb", form: fStore, as: wx(arm64.AMOVB, arm64.AMOVB)},
	OpStrh:      {name: "strh", form: fStore, as: wx(arm64.AMOVH, arm64.AMOVH)},
	OpStr:       {name: "str", form: fStore, as: wx(arm64.AMOVW, arm64.AMOVD)},
	OpFldr:      {name: "fldr", form: fLoad, as: wx(arm64.AFMOVS, arm64.AFMOVD), float: true},
	OpFstr:      {name: "fstr", form: fStore, as: wx(arm64.AFMOVS, arm64.AFMOVD), float: true, fsrc: true},
	OpCmp:       {name: "cmp", form: fCmp, as: wx(arm64.ACMPW, arm64.ACMP)},
	OpCmn:       {name: "cmn", form: fCmp, as: wx(arm64.ACMNW, arm64.ACMN)},
	OpTst:       {name: "tst", form: fCmp, as: wx(arm64.ATSTW, arm64.ATST)},
	OpCset:      {name: "cset", form: fCset, as: wx(arm64.ACSETW, arm64.ACSET)},
	OpCsel:      {name: "csel", form: fCsel, as: wx(arm64.ACSELW, arm64.ACSEL)},
	OpFadd:      {name: "fadd", form: fBin, as: wx(arm64.AFADDS, arm64.AFADDD), float: true, fsrc: true},
	OpFsub:      {name: "fsub", form: fBin, as: wx(arm64.AFSUBS, arm64.AFSUBD), float: true, fsrc: true},
	OpFmul:      {name: "fmul", form: fBin, as: wx(arm64.AFMULS, arm64.AFMULD), float: true, fsrc: true},
	OpFdiv:      {name: "fdiv", form: fBin, as: wx(arm64.AFDIVS, arm64.AFDIVD), float: true, fsrc: true},
	OpFmin:      {name: "fmin", form: fBin, as: wx(arm64.AFMINS, arm64.AFMIND), float: true, fsrc: true},
	OpFmax:      {name: "fmax", form: fBin, as: wx(arm64.AFMAXS, arm64.AFMAXD), float: true, fsrc: true},
	OpFsqrt:     {name: "fsqrt", form: fUn, as: wx(arm64.AFSQRTS, arm64.AFSQRTD), float: true, fsrc: true},
	OpFabs:      {name: "fabs", form: fUn, as: wx(arm64.AFABSS, arm64.AFABSD), float: true, fsrc: true},
	OpFneg:      {name: "fneg", form: fUn, as: wx(arm64.AFNEGS, arm64.AFNEGD), float: true, fsrc: true},
	OpFrintn:    {name: "frintn", form: fUn, as: wx(arm64.AFRINTNS, arm64.AFRINTND), float: true, fsrc: true},
	OpFrintp:    {name: "frintp", form: fUn, as: wx(arm64.AFRINTPS, arm64.AFRINTPD), float: true, fsrc: true},
	OpFrintm:    {name: "frintm", form: fUn, as: wx(arm64.AFRINTMS, arm64.AFRINTMD), float: true, fsrc: true},
	OpFrintz:    {name: "frintz", form: fUn, as: wx(arm64.AFRINTZS, arm64.AFRINTZD), float: true, fsrc: true},
	OpFcvtsd:    {name: "fcvtsd", form: fUn, as: wx(arm64.AFCVTSD, arm64.AFCVTSD), float: true, fsrc: true},
	OpFcvtds:    {name: "fcvtds", form: fUn, as: wx(arm64.AFCVTDS, arm64.AFCVTDS), float: true, fsrc: true},
	OpScvtf:     {name: "scvtf", form: fUn, float: true},
	OpUcvtf:     {name: "ucvtf", form: fUn, float: true},
	OpFcvtzs:    {name: "fcvtzs", form: fUn, fsrc: true},
	OpFcvtzu:    {name: "fcvtzu", form: fUn, fsrc: true},
	OpFmovToF:   {name: "fmovtof", form: fUn, as: wx(arm64.AFMOVS, arm64.AFMOVD), float: true},
	OpFmovFromF: {name: "fmovfromf", form: fUn, as: wx(arm64.AFMOVS, arm64.AFMOVD), fsrc: true},
	OpFmov:      {name: "fmov", form: fUn, as: wx(arm64.AFMOVD, arm64.AFMOVD), float: true, fsrc: true},
	OpFmovImm:   {name: "fmovimm", form: fMovImm, float: true},
	OpFcmp:      {name: "fcmp", form: fCmp, as: wx(arm64.AFCMPS, arm64.AFCMPD), fsrc: true},
	OpFcsel:     {name: "fcsel", form: fCsel, as: wx(arm64.AFCSELS, arm64.AFCSELD), float: true, fsrc: true},
	OpCnt:       {name: "cnt", form: fUn, as: wx(arm64.AVCNT, arm64.AVCNT), float: true, fsrc: true},
	OpUaddlv:    {name: "uaddlv", form: fUn, as: wx(arm64.AVUADDLV, arm64.AVUADDLV), float: true, fsrc: true},
	OpB:         {name: "b", form: fJmp},
	OpBcond:     {name: "b.cond", form: fBcond},
	OpCbz:       {name: "cbz", form: fCbz, as: wx(arm64.ACBZW, arm64.ACBZ)},
	OpCbnz:      {name: "cbnz", form: fCbz, as: wx(arm64.ACBNZW, arm64.ACBNZ)},
	OpRet:       {name: "ret", form: fRet},
	OpCall:      {name: "call", form: fCall},
	OpTrap:      {name: "trap", form: fTrap},
	OpBrk:       {name: "brk", form: fBrk},
	OpParams:    {name: "params", form: fParams},
	OpExit:      {name: "exit", form: fExit},
	OpPoll:      {name: "poll", form: fPoll},
	OpJmpTab:    {name: "jmptab", form: fJmpTab},
	OpVec:       {name: "vec", form: fVec},
}

func (o Op) String() string { return ops[o].name }

// Instr is one machine instruction.
type Instr struct {
	Op      Op
	Size    uint8 // 4 or 8: W or X registers, S or D floats (the destination's)
	SrcSize uint8 // conversions: the source's size
	Cond    Cond
	Dst     Operand
	Src     [3]Operand
	// Target holds successor blocks: b uses [0]; b.cond, cbz and cbnz
	// [0] (taken) and [1] (fall-through).
	Target [2]int32
	Func   int32  // direct call target (function index), or -1
	Trap   uint32 // trap code (trap) or exit argument (exit)
	Pos    int32  // wasm byte offset recorded with the code offset; 0 = none
	Args   []Reg  // call arguments, returned values, incoming parameters
	Rets   []Reg  // call results
	Table  []int32
	// OpVec: the instruction word without its register fields, its
	// mnemonic for the text form, and whether Dst is also read (Src[0]
	// then holds the old value, and Src[1], Src[2] are Rn and Rm).
	Enc   uint32
	VName string
	Tied  bool
}

// Block is a basic block of machine instructions.
type Block struct {
	Instrs    []Instr
	LoopDepth int32
}

// Func is a function in machine IR.
type Func struct {
	Name      string
	Blocks    []*Block // layout order; block 0 is the entry
	VRegFloat []bool   // per virtual register: true for the float class
	// CoalesceCopies asks the register allocator to join copies' sources
	// and destinations (regalloc.Func.CoalesceCopies).
	CoalesceCopies bool

	// Set by Allocate.
	allocated bool
	saved     []Reg // callee-saved registers to save, then LR if it calls
	saveSize  int32 // bytes of the save area (16-aligned)
	frameSize int32 // bytes SP is lowered by below the save area
	spillBase int32 // offset of the spill area from SP
	OutArgs   int32 // bytes of outgoing stack arguments (below spills)
}

// NewVReg adds a virtual register.
func (f *Func) NewVReg(float bool) Reg {
	f.VRegFloat = append(f.VRegFloat, float)
	return FirstVirtual + Reg(len(f.VRegFloat)-1)
}

// Succs returns the successors of block b.
func (f *Func) Succs(b int) []int32 {
	blk := f.Blocks[b]
	if len(blk.Instrs) == 0 {
		return nil
	}
	last := &blk.Instrs[len(blk.Instrs)-1]
	switch ops[last.Op].form {
	case fJmp:
		return last.Target[:1]
	case fBcond, fCbz:
		return last.Target[:2]
	case fJmpTab:
		return distinct(last.Table)
	}
	return nil
}

func distinct(table []int32) []int32 {
	var out []int32
	seen := map[int32]bool{}
	for _, t := range table {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}
