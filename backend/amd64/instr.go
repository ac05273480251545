package amd64

import (
	"slices"

	"github.com/twitchyliquid64/golang-asm/obj"
	"github.com/twitchyliquid64/golang-asm/obj/x86"
)

// OperandKind says what an Operand holds.
type OperandKind uint8

const (
	KNone  OperandKind = iota
	KReg               // a register
	KImm               // an immediate
	KMem               // memory at Base + Index*Scale + Disp
	KConst             // a constant-pool entry, addressed RIP-relative
)

// Mem is a memory address. Base or Index may be NoReg. [R15+disp] reaches
// the vmctx; RSP-relative addresses reach the frame.
type Mem struct {
	Base, Index Reg
	Disp        int32
	Scale       uint8 // 1, 2, 4 or 8
}

// Operand is one operand of an instruction. Its fields are shared
// between kinds: instructions are stored and copied by the million, and
// every byte of an operand counts four times in an Instr.
type Operand struct {
	Kind  OperandKind
	Scale uint8 // KMem: 1, 2, 4 or 8
	Reg   Reg   // KReg: the register; KMem: the base
	Index Reg   // KMem
	Disp  int32 // KMem
	Imm   int64 // KImm: the immediate; KConst: the index into Func.Consts
}

// ConstIndex returns the index into Func.Consts of a KConst operand.
func (o Operand) ConstIndex() int32 { return int32(o.Imm) }

func R(r Reg) Operand     { return Operand{Kind: KReg, Reg: r} }
func Imm(v int64) Operand { return Operand{Kind: KImm, Imm: v} }
func M(m Mem) Operand {
	return Operand{Kind: KMem, Reg: m.Base, Index: m.Index, Disp: m.Disp, Scale: m.Scale}
}
func C(index int32) Operand { return Operand{Kind: KConst, Imm: int64(index)} }

// Base returns [base+disp].
func Base(base Reg, disp int32) Mem { return Mem{Base: base, Index: NoReg, Scale: 1, Disp: disp} }

// Cond is a condition code.
type Cond uint8

const (
	CondE  Cond = iota // equal / zero
	CondNE             // not equal
	CondL              // signed <
	CondGE             // signed >=
	CondLE             // signed <=
	CondG              // signed >
	CondB              // unsigned < (carry)
	CondAE             // unsigned >=
	CondBE             // unsigned <=
	CondA              // unsigned >
	CondP              // parity (unordered after ucomis*)
	CondNP
	CondS // sign
	CondNS
	CondO // overflow
	CondNO
	numConds
)

var condNames = [numConds]string{"e", "ne", "l", "ge", "le", "g", "b", "ae", "be", "a", "p", "np", "s", "ns", "o", "no"}

func (c Cond) String() string { return condNames[c] }

// Invert returns the opposite condition.
func (c Cond) Invert() Cond { return c ^ 1 }

var (
	jccAs   = [numConds]obj.As{x86.AJEQ, x86.AJNE, x86.AJLT, x86.AJGE, x86.AJLE, x86.AJGT, x86.AJCS, x86.AJCC, x86.AJLS, x86.AJHI, x86.AJPS, x86.AJPC, x86.AJMI, x86.AJPL, x86.AJOS, x86.AJOC}
	setAs   = [numConds]obj.As{x86.ASETEQ, x86.ASETNE, x86.ASETLT, x86.ASETGE, x86.ASETLE, x86.ASETGT, x86.ASETCS, x86.ASETCC, x86.ASETLS, x86.ASETHI, x86.ASETPS, x86.ASETPC, x86.ASETMI, x86.ASETPL, x86.ASETOS, x86.ASETOC}
	cmovQAs = [numConds]obj.As{x86.ACMOVQEQ, x86.ACMOVQNE, x86.ACMOVQLT, x86.ACMOVQGE, x86.ACMOVQLE, x86.ACMOVQGT, x86.ACMOVQCS, x86.ACMOVQCC, x86.ACMOVQLS, x86.ACMOVQHI, x86.ACMOVQPS, x86.ACMOVQPC, x86.ACMOVQMI, x86.ACMOVQPL, x86.ACMOVQOS, x86.ACMOVQOC}
	cmovLAs = [numConds]obj.As{x86.ACMOVLEQ, x86.ACMOVLNE, x86.ACMOVLLT, x86.ACMOVLGE, x86.ACMOVLLE, x86.ACMOVLGT, x86.ACMOVLCS, x86.ACMOVLCC, x86.ACMOVLLS, x86.ACMOVLHI, x86.ACMOVLPS, x86.ACMOVLPC, x86.ACMOVLMI, x86.ACMOVLPL, x86.ACMOVLOS, x86.ACMOVLOC}
)

// form says which operands an instruction reads and writes.
type form uint8

const (
	fBin    form = iota // Dst = Src0 op Src1; Dst shares Src0's register
	fUn                 // Dst = op Src0; Dst shares Src0's register
	fShift              // Dst = Src0 shifted by Src1 (immediate or RCX)
	fMov                // Dst = op Src0 [, Src1 immediate]
	fStore              // memory Dst = Src0
	fCmp                // flags = Src0 compared with Src1
	fSet                // Dst = Cond (low byte)
	fCmov               // Dst = Cond ? Src1 : Src0; Dst shares Src0's register
	fDiv                // Dst, Dst2 = Src0:Src1 divided by Src2 (RAX, RDX)
	fExt                // Dst (RDX) = sign of Src0 (RAX)
	fJmp                // jump to Target[0]
	fJcc                // jump to Target[0] if Cond, else Target[1]
	fRet                // return Args
	fCall               // call Func or Src0 with Args, defining Rets
	fTrap               // raise trap TrapCode
	fUD2                // undefined instruction
	fParams             // defines the incoming arguments Args (no code)
	fExit               // leave through the host-call stub with ExitArg Trap
	fPoll               // preemption and interrupt poll
	fJmpTab             // jump to Table[Src0] through the constant Src1
	fBinImm             // Dst = Src0 op Src1 with the immediate Src2; Dst shares Src0's register
	fBin3               // Dst = Src0 op Src1, three registers (BMI's andn, shlx, shrx, sarx)
	fRep                // rep string op: Src0 (RDI) destination address, Src1 (RSI or RAX) source address or byte, Src2 (RCX) count; all three clobbered
)

// Op is a machine operation.
type Op uint8

type opInfo struct {
	name string
	form form
	as   [4]obj.As // by operand size 1, 2, 4, 8; a single entry for SSE ops
}

// sized reports whether the op takes a size suffix in text.
func (o *opInfo) sized() bool { return o.as[1] != 0 || o.as[2] != 0 || o.as[3] != 0 }

const (
	OpAdd Op = iota
	OpSub
	OpAnd
	OpOr
	OpXor
	OpImul
	OpNeg
	OpNot
	OpShl
	OpShr
	OpSar
	OpRol
	OpRor
	OpMov
	OpMovzx8
	OpMovzx16
	OpMovsx8
	OpMovsx16
	OpMovsx32
	OpLea
	OpLzcnt
	OpTzcnt
	OpPopcnt
	OpShlx // BMI2: Dst = Src0 << Src1, any registers, flags untouched
	OpShrx
	OpSarx
	OpAndn // BMI1: Dst = ^Src0 & Src1, any registers
	OpRorx // BMI2: Dst = Src0 rotated right by the immediate Src1, flags untouched
	OpBsr  // without LZCNT; ZF set and the destination undefined for a zero source
	OpBsf  // without BMI1's TZCNT; likewise
	OpImul3
	OpStore
	OpCmp
	OpTest
	OpSet
	OpCmov
	OpDiv
	OpIdiv
	OpSext // cdq / cqo
	OpAddss
	OpAddsd
	OpSubss
	OpSubsd
	OpMulss
	OpMulsd
	OpDivss
	OpDivsd
	OpMinss
	OpMinsd
	OpMaxss
	OpMaxsd
	OpAndps
	OpAndpd
	OpAndnps
	OpAndnpd
	OpOrps
	OpOrpd
	OpXorps
	OpXorpd
	OpMovss  // load or register form
	OpMovsd  // load or register form
	OpMovaps // full register copy
	OpMovups // 16-byte load
	OpSqrtss
	OpSqrtsd
	OpRoundss
	OpRoundsd
	OpCvtss2sd
	OpCvtsd2ss
	OpCvtsi2ss  // Size is the integer source size
	OpCvtsi2sd  // Size is the integer source size
	OpCvttss2si // Size is the integer result size
	OpCvttsd2si // Size is the integer result size
	OpMovGX     // general to xmm (movd/movq by Size)
	OpMovXG     // xmm to general (movd/movq by Size)
	OpStoress
	OpStoresd
	OpStoreups
	OpUcomiss
	OpUcomisd
	OpJmp
	OpJcc
	OpRet
	OpCall
	OpTrap
	OpUD2
	OpParams
	OpExit   // host call or builtin: clobbers every caller-saved register
	OpPoll   // cooperative poll (docs/abi.md "Polls"); preserves all registers
	OpJmpTab // jump table: Src0 is the index (in range), Src1 the table constant
	// Bulk memory: rep movsb forwards, the same backwards (std; rep movsb;
	// cld, with RDI and RSI at the last byte), and rep stosb.
	OpRepMovsb
	OpRepMovsbBack
	OpRepStosb
	// Vector ops (SSE2 to SSE4.1) on whole XMM registers; see vecGPR for
	// the operands that are general registers.
	OpPaddb
	OpPaddw
	OpPaddd
	OpPaddq
	OpPsubb
	OpPsubw
	OpPsubd
	OpPsubq
	OpPaddsb
	OpPaddsw
	OpPaddusb
	OpPaddusw
	OpPsubsb
	OpPsubsw
	OpPsubusb
	OpPsubusw
	OpPmullw
	OpPmulld
	OpPmuludq
	OpPmuldq
	OpPminsb
	OpPminsw
	OpPminsd
	OpPminub
	OpPminuw
	OpPminud
	OpPmaxsb
	OpPmaxsw
	OpPmaxsd
	OpPmaxub
	OpPmaxuw
	OpPmaxud
	OpPavgb
	OpPavgw
	OpPcmpeqb
	OpPcmpeqw
	OpPcmpeqd
	OpPcmpeqq
	OpPcmpgtb
	OpPcmpgtw
	OpPcmpgtd
	OpPcmpgtq // SSE4.2
	OpPand
	OpPandn
	OpPor
	OpPxor
	OpPshufb
	OpPacksswb
	OpPackssdw
	OpPackuswb
	OpPackusdw
	OpPunpcklbw
	OpPunpckhbw
	OpPunpcklqdq
	OpUnpcklps
	OpPmaddwd
	OpPmaddubsw
	OpPmulhrsw
	OpAddps
	OpAddpd
	OpSubps
	OpSubpd
	OpMulps
	OpMulpd
	OpDivps
	OpDivpd
	OpMinps
	OpMinpd
	OpMaxps
	OpMaxpd
	OpPsllw
	OpPslld
	OpPsllq
	OpPsrlw
	OpPsrld
	OpPsrlq
	OpPsraw
	OpPsrad
	OpPshufd
	OpPshuflw
	OpRoundps
	OpRoundpd
	OpSqrtps
	OpSqrtpd
	OpCvtdq2ps
	OpCvtdq2pd
	OpCvttps2dq
	OpCvttpd2dq
	OpCvtpd2ps
	OpCvtps2pd
	OpPabsb
	OpPabsw
	OpPabsd
	OpPmovsxbw
	OpPmovsxwd
	OpPmovsxdq
	OpPmovzxbw
	OpPmovzxwd
	OpPmovzxdq
	OpPmovmskb
	OpMovmskps
	OpMovmskpd
	OpPextrb
	OpPextrw
	OpPextrd
	OpPextrq
	OpShufps
	OpShufpd
	OpInsertps
	OpCmpps
	OpCmppd
	OpPblendw
	OpPalignr
	OpPinsrb
	OpPinsrw
	OpPinsrd
	OpPinsrq
	OpPtest
	// AVX2 (VEX only): the low lane of a register or memory over every lane.
	OpVpbroadcastb
	OpVpbroadcastw
	OpVpbroadcastd
	OpVpbroadcastq
	OpVbroadcastss
	numOps
)

func sz(b, w, l, q obj.As) [4]obj.As { return [4]obj.As{b, w, l, q} }
func sse(a obj.As) [4]obj.As         { return [4]obj.As{a} }

var ops = [numOps]opInfo{
	OpAdd:          {"add", fBin, sz(x86.AADDB, x86.AADDW, x86.AADDL, x86.AADDQ)},
	OpSub:          {"sub", fBin, sz(x86.ASUBB, x86.ASUBW, x86.ASUBL, x86.ASUBQ)},
	OpAnd:          {"and", fBin, sz(x86.AANDB, x86.AANDW, x86.AANDL, x86.AANDQ)},
	OpOr:           {"or", fBin, sz(x86.AORB, x86.AORW, x86.AORL, x86.AORQ)},
	OpXor:          {"xor", fBin, sz(x86.AXORB, x86.AXORW, x86.AXORL, x86.AXORQ)},
	OpImul:         {"imul", fBin, sz(0, x86.AIMULW, x86.AIMULL, x86.AIMULQ)},
	OpNeg:          {"neg", fUn, sz(x86.ANEGB, x86.ANEGW, x86.ANEGL, x86.ANEGQ)},
	OpNot:          {"not", fUn, sz(x86.ANOTB, x86.ANOTW, x86.ANOTL, x86.ANOTQ)},
	OpShl:          {"shl", fShift, sz(x86.ASHLB, x86.ASHLW, x86.ASHLL, x86.ASHLQ)},
	OpShr:          {"shr", fShift, sz(x86.ASHRB, x86.ASHRW, x86.ASHRL, x86.ASHRQ)},
	OpSar:          {"sar", fShift, sz(x86.ASARB, x86.ASARW, x86.ASARL, x86.ASARQ)},
	OpRol:          {"rol", fShift, sz(x86.AROLB, x86.AROLW, x86.AROLL, x86.AROLQ)},
	OpRor:          {"ror", fShift, sz(x86.ARORB, x86.ARORW, x86.ARORL, x86.ARORQ)},
	OpMov:          {"mov", fMov, sz(0, 0, x86.AMOVL, x86.AMOVQ)},
	OpMovzx8:       {"movzx8", fMov, sz(0, 0, x86.AMOVBLZX, x86.AMOVBQZX)},
	OpMovzx16:      {"movzx16", fMov, sz(0, 0, x86.AMOVWLZX, x86.AMOVWQZX)},
	OpMovsx8:       {"movsx8", fMov, sz(0, 0, x86.AMOVBLSX, x86.AMOVBQSX)},
	OpMovsx16:      {"movsx16", fMov, sz(0, 0, x86.AMOVWLSX, x86.AMOVWQSX)},
	OpMovsx32:      {"movsx32", fMov, sz(0, 0, 0, x86.AMOVLQSX)},
	OpLea:          {"lea", fMov, sz(0, 0, x86.ALEAL, x86.ALEAQ)},
	OpLzcnt:        {"lzcnt", fMov, sz(0, 0, x86.ALZCNTL, x86.ALZCNTQ)},
	OpTzcnt:        {"tzcnt", fMov, sz(0, 0, x86.ATZCNTL, x86.ATZCNTQ)},
	OpPopcnt:       {"popcnt", fMov, sz(0, 0, x86.APOPCNTL, x86.APOPCNTQ)},
	OpShlx:         {"shlx", fBin3, sz(0, 0, x86.ASHLXL, x86.ASHLXQ)},
	OpShrx:         {"shrx", fBin3, sz(0, 0, x86.ASHRXL, x86.ASHRXQ)},
	OpSarx:         {"sarx", fBin3, sz(0, 0, x86.ASARXL, x86.ASARXQ)},
	OpAndn:         {"andn", fBin3, sz(0, 0, x86.AANDNL, x86.AANDNQ)},
	OpRorx:         {"rorx", fMov, sz(0, 0, x86.ARORXL, x86.ARORXQ)},
	OpBsr:          {"bsr", fMov, sz(0, 0, x86.ABSRL, x86.ABSRQ)},
	OpBsf:          {"bsf", fMov, sz(0, 0, x86.ABSFL, x86.ABSFQ)},
	OpImul3:        {"imul3", fMov, sz(0, x86.AIMUL3W, x86.AIMUL3L, x86.AIMUL3Q)},
	OpStore:        {"store", fStore, sz(x86.AMOVB, x86.AMOVW, x86.AMOVL, x86.AMOVQ)},
	OpCmp:          {"cmp", fCmp, sz(x86.ACMPB, x86.ACMPW, x86.ACMPL, x86.ACMPQ)},
	OpTest:         {"test", fCmp, sz(x86.ATESTB, x86.ATESTW, x86.ATESTL, x86.ATESTQ)},
	OpSet:          {"set", fSet, sse(0)},
	OpCmov:         {"cmov", fCmov, sz(0, 0, 1, 1)},
	OpDiv:          {"div", fDiv, sz(0, 0, x86.ADIVL, x86.ADIVQ)},
	OpIdiv:         {"idiv", fDiv, sz(0, 0, x86.AIDIVL, x86.AIDIVQ)},
	OpSext:         {"sext", fExt, sz(0, 0, x86.ACDQ, x86.ACQO)},
	OpAddss:        {"addss", fBin, sse(x86.AADDSS)},
	OpAddsd:        {"addsd", fBin, sse(x86.AADDSD)},
	OpSubss:        {"subss", fBin, sse(x86.ASUBSS)},
	OpSubsd:        {"subsd", fBin, sse(x86.ASUBSD)},
	OpMulss:        {"mulss", fBin, sse(x86.AMULSS)},
	OpMulsd:        {"mulsd", fBin, sse(x86.AMULSD)},
	OpDivss:        {"divss", fBin, sse(x86.ADIVSS)},
	OpDivsd:        {"divsd", fBin, sse(x86.ADIVSD)},
	OpMinss:        {"minss", fBin, sse(x86.AMINSS)},
	OpMinsd:        {"minsd", fBin, sse(x86.AMINSD)},
	OpMaxss:        {"maxss", fBin, sse(x86.AMAXSS)},
	OpMaxsd:        {"maxsd", fBin, sse(x86.AMAXSD)},
	OpAndps:        {"andps", fBin, sse(x86.AANDPS)},
	OpAndpd:        {"andpd", fBin, sse(x86.AANDPD)},
	OpAndnps:       {"andnps", fBin, sse(x86.AANDNPS)},
	OpAndnpd:       {"andnpd", fBin, sse(x86.AANDNPD)},
	OpOrps:         {"orps", fBin, sse(x86.AORPS)},
	OpOrpd:         {"orpd", fBin, sse(x86.AORPD)},
	OpXorps:        {"xorps", fBin, sse(x86.AXORPS)},
	OpXorpd:        {"xorpd", fBin, sse(x86.AXORPD)},
	OpMovss:        {"movss", fMov, sse(x86.AMOVSS)},
	OpMovsd:        {"movsd", fMov, sse(x86.AMOVSD)},
	OpMovaps:       {"movaps", fMov, sse(x86.AMOVAPS)},
	OpMovups:       {"movups", fMov, sse(x86.AMOVUPS)},
	OpSqrtss:       {"sqrtss", fMov, sse(x86.ASQRTSS)},
	OpSqrtsd:       {"sqrtsd", fMov, sse(x86.ASQRTSD)},
	OpRoundss:      {"roundss", fMov, sse(x86.AROUNDSS)},
	OpRoundsd:      {"roundsd", fMov, sse(x86.AROUNDSD)},
	OpCvtss2sd:     {"cvtss2sd", fMov, sse(x86.ACVTSS2SD)},
	OpCvtsd2ss:     {"cvtsd2ss", fMov, sse(x86.ACVTSD2SS)},
	OpCvtsi2ss:     {"cvtsi2ss", fMov, sz(0, 0, x86.ACVTSL2SS, x86.ACVTSQ2SS)},
	OpCvtsi2sd:     {"cvtsi2sd", fMov, sz(0, 0, x86.ACVTSL2SD, x86.ACVTSQ2SD)},
	OpCvttss2si:    {"cvttss2si", fMov, sz(0, 0, x86.ACVTTSS2SL, x86.ACVTTSS2SQ)},
	OpCvttsd2si:    {"cvttsd2si", fMov, sz(0, 0, x86.ACVTTSD2SL, x86.ACVTTSD2SQ)},
	OpMovGX:        {"movgx", fMov, sz(0, 0, x86.AMOVL, x86.AMOVQ)},
	OpMovXG:        {"movxg", fMov, sz(0, 0, x86.AMOVL, x86.AMOVQ)},
	OpStoress:      {"storess", fStore, sse(x86.AMOVSS)},
	OpStoresd:      {"storesd", fStore, sse(x86.AMOVSD)},
	OpStoreups:     {"storeups", fStore, sse(x86.AMOVUPS)},
	OpUcomiss:      {"ucomiss", fCmp, sse(x86.AUCOMISS)},
	OpUcomisd:      {"ucomisd", fCmp, sse(x86.AUCOMISD)},
	OpJmp:          {"jmp", fJmp, sse(obj.AJMP)},
	OpJcc:          {"jcc", fJcc, sse(0)},
	OpRet:          {"ret", fRet, sse(obj.ARET)},
	OpCall:         {"call", fCall, sse(obj.ACALL)},
	OpTrap:         {"trap", fTrap, sse(obj.ACALL)},
	OpUD2:          {"ud2", fUD2, sse(x86.AUD2)},
	OpParams:       {"params", fParams, sse(0)},
	OpExit:         {"exit", fExit, sse(0)},
	OpPoll:         {"poll", fPoll, sse(0)},
	OpJmpTab:       {"jmptab", fJmpTab, sse(0)},
	OpRepMovsb:     {"repmovsb", fRep, sse(x86.AMOVSB)},
	OpRepMovsbBack: {"repmovsbback", fRep, sse(x86.AMOVSB)},
	OpRepStosb:     {"repstosb", fRep, sse(x86.ASTOSB)},

	OpPaddb:      {"paddb", fBin, sse(x86.APADDB)},
	OpPaddw:      {"paddw", fBin, sse(x86.APADDW)},
	OpPaddd:      {"paddd", fBin, sse(x86.APADDL)},
	OpPaddq:      {"paddq", fBin, sse(x86.APADDQ)},
	OpPsubb:      {"psubb", fBin, sse(x86.APSUBB)},
	OpPsubw:      {"psubw", fBin, sse(x86.APSUBW)},
	OpPsubd:      {"psubd", fBin, sse(x86.APSUBL)},
	OpPsubq:      {"psubq", fBin, sse(x86.APSUBQ)},
	OpPaddsb:     {"paddsb", fBin, sse(x86.APADDSB)},
	OpPaddsw:     {"paddsw", fBin, sse(x86.APADDSW)},
	OpPaddusb:    {"paddusb", fBin, sse(x86.APADDUSB)},
	OpPaddusw:    {"paddusw", fBin, sse(x86.APADDUSW)},
	OpPsubsb:     {"psubsb", fBin, sse(x86.APSUBSB)},
	OpPsubsw:     {"psubsw", fBin, sse(x86.APSUBSW)},
	OpPsubusb:    {"psubusb", fBin, sse(x86.APSUBUSB)},
	OpPsubusw:    {"psubusw", fBin, sse(x86.APSUBUSW)},
	OpPmullw:     {"pmullw", fBin, sse(x86.APMULLW)},
	OpPmulld:     {"pmulld", fBin, sse(x86.APMULLD)},
	OpPmuludq:    {"pmuludq", fBin, sse(x86.APMULULQ)},
	OpPmuldq:     {"pmuldq", fBin, sse(x86.APMULDQ)},
	OpPminsb:     {"pminsb", fBin, sse(x86.APMINSB)},
	OpPminsw:     {"pminsw", fBin, sse(x86.APMINSW)},
	OpPminsd:     {"pminsd", fBin, sse(x86.APMINSD)},
	OpPminub:     {"pminub", fBin, sse(x86.APMINUB)},
	OpPminuw:     {"pminuw", fBin, sse(x86.APMINUW)},
	OpPminud:     {"pminud", fBin, sse(x86.APMINUD)},
	OpPmaxsb:     {"pmaxsb", fBin, sse(x86.APMAXSB)},
	OpPmaxsw:     {"pmaxsw", fBin, sse(x86.APMAXSW)},
	OpPmaxsd:     {"pmaxsd", fBin, sse(x86.APMAXSD)},
	OpPmaxub:     {"pmaxub", fBin, sse(x86.APMAXUB)},
	OpPmaxuw:     {"pmaxuw", fBin, sse(x86.APMAXUW)},
	OpPmaxud:     {"pmaxud", fBin, sse(x86.APMAXUD)},
	OpPavgb:      {"pavgb", fBin, sse(x86.APAVGB)},
	OpPavgw:      {"pavgw", fBin, sse(x86.APAVGW)},
	OpPcmpeqb:    {"pcmpeqb", fBin, sse(x86.APCMPEQB)},
	OpPcmpeqw:    {"pcmpeqw", fBin, sse(x86.APCMPEQW)},
	OpPcmpeqd:    {"pcmpeqd", fBin, sse(x86.APCMPEQL)},
	OpPcmpeqq:    {"pcmpeqq", fBin, sse(x86.APCMPEQQ)},
	OpPcmpgtb:    {"pcmpgtb", fBin, sse(x86.APCMPGTB)},
	OpPcmpgtw:    {"pcmpgtw", fBin, sse(x86.APCMPGTW)},
	OpPcmpgtd:    {"pcmpgtd", fBin, sse(x86.APCMPGTL)},
	OpPcmpgtq:    {"pcmpgtq", fBin, sse(x86.APCMPGTQ)},
	OpPand:       {"pand", fBin, sse(x86.APAND)},
	OpPandn:      {"pandn", fBin, sse(x86.APANDN)},
	OpPor:        {"por", fBin, sse(x86.APOR)},
	OpPxor:       {"pxor", fBin, sse(x86.APXOR)},
	OpPshufb:     {"pshufb", fBin, sse(x86.APSHUFB)},
	OpPacksswb:   {"packsswb", fBin, sse(x86.APACKSSWB)},
	OpPackssdw:   {"packssdw", fBin, sse(x86.APACKSSLW)},
	OpPackuswb:   {"packuswb", fBin, sse(x86.APACKUSWB)},
	OpPackusdw:   {"packusdw", fBin, sse(x86.APACKUSDW)},
	OpPunpcklbw:  {"punpcklbw", fBin, sse(x86.APUNPCKLBW)},
	OpPunpckhbw:  {"punpckhbw", fBin, sse(x86.APUNPCKHBW)},
	OpPunpcklqdq: {"punpcklqdq", fBin, sse(x86.APUNPCKLQDQ)},
	OpUnpcklps:   {"unpcklps", fBin, sse(x86.AUNPCKLPS)},
	OpPmaddwd:    {"pmaddwd", fBin, sse(x86.APMADDWL)},
	OpPmaddubsw:  {"pmaddubsw", fBin, sse(x86.APMADDUBSW)},
	OpPmulhrsw:   {"pmulhrsw", fBin, sse(x86.APMULHRSW)},
	OpAddps:      {"addps", fBin, sse(x86.AADDPS)},
	OpAddpd:      {"addpd", fBin, sse(x86.AADDPD)},
	OpSubps:      {"subps", fBin, sse(x86.ASUBPS)},
	OpSubpd:      {"subpd", fBin, sse(x86.ASUBPD)},
	OpMulps:      {"mulps", fBin, sse(x86.AMULPS)},
	OpMulpd:      {"mulpd", fBin, sse(x86.AMULPD)},
	OpDivps:      {"divps", fBin, sse(x86.ADIVPS)},
	OpDivpd:      {"divpd", fBin, sse(x86.ADIVPD)},
	OpMinps:      {"minps", fBin, sse(x86.AMINPS)},
	OpMinpd:      {"minpd", fBin, sse(x86.AMINPD)},
	OpMaxps:      {"maxps", fBin, sse(x86.AMAXPS)},
	OpMaxpd:      {"maxpd", fBin, sse(x86.AMAXPD)},
	OpPsllw:      {"psllw", fBin, sse(x86.APSLLW)},
	OpPslld:      {"pslld", fBin, sse(x86.APSLLL)},
	OpPsllq:      {"psllq", fBin, sse(x86.APSLLQ)},
	OpPsrlw:      {"psrlw", fBin, sse(x86.APSRLW)},
	OpPsrld:      {"psrld", fBin, sse(x86.APSRLL)},
	OpPsrlq:      {"psrlq", fBin, sse(x86.APSRLQ)},
	OpPsraw:      {"psraw", fBin, sse(x86.APSRAW)},
	OpPsrad:      {"psrad", fBin, sse(x86.APSRAL)},
	OpPshufd:     {"pshufd", fMov, sse(x86.APSHUFD)},
	OpPshuflw:    {"pshuflw", fMov, sse(x86.APSHUFLW)},
	OpRoundps:    {"roundps", fMov, sse(x86.AROUNDPS)},
	OpRoundpd:    {"roundpd", fMov, sse(x86.AROUNDPD)},
	OpSqrtps:     {"sqrtps", fMov, sse(x86.ASQRTPS)},
	OpSqrtpd:     {"sqrtpd", fMov, sse(x86.ASQRTPD)},
	OpCvtdq2ps:   {"cvtdq2ps", fMov, sse(x86.ACVTPL2PS)},
	OpCvtdq2pd:   {"cvtdq2pd", fMov, sse(x86.ACVTPL2PD)},
	OpCvttps2dq:  {"cvttps2dq", fMov, sse(x86.ACVTTPS2PL)},
	OpCvttpd2dq:  {"cvttpd2dq", fMov, sse(x86.ACVTTPD2PL)},
	OpCvtpd2ps:   {"cvtpd2ps", fMov, sse(x86.ACVTPD2PS)},
	OpCvtps2pd:   {"cvtps2pd", fMov, sse(x86.ACVTPS2PD)},
	OpPabsb:      {"pabsb", fMov, sse(x86.APABSB)},
	OpPabsw:      {"pabsw", fMov, sse(x86.APABSW)},
	OpPabsd:      {"pabsd", fMov, sse(x86.APABSD)},
	OpPmovsxbw:   {"pmovsxbw", fMov, sse(x86.APMOVSXBW)},
	OpPmovsxwd:   {"pmovsxwd", fMov, sse(x86.APMOVSXWD)},
	OpPmovsxdq:   {"pmovsxdq", fMov, sse(x86.APMOVSXDQ)},
	OpPmovzxbw:   {"pmovzxbw", fMov, sse(x86.APMOVZXBW)},
	OpPmovzxwd:   {"pmovzxwd", fMov, sse(x86.APMOVZXWD)},
	OpPmovzxdq:   {"pmovzxdq", fMov, sse(x86.APMOVZXDQ)},
	OpPmovmskb:   {"pmovmskb", fMov, sse(x86.APMOVMSKB)},
	OpMovmskps:   {"movmskps", fMov, sse(x86.AMOVMSKPS)},
	OpMovmskpd:   {"movmskpd", fMov, sse(x86.AMOVMSKPD)},
	OpPextrb:     {"pextrb", fMov, sse(x86.APEXTRB)},
	OpPextrw:     {"pextrw", fMov, sse(x86.APEXTRW)},
	OpPextrd:     {"pextrd", fMov, sse(x86.APEXTRD)},
	OpPextrq:     {"pextrq", fMov, sse(x86.APEXTRQ)},
	OpShufps:     {"shufps", fBinImm, sse(x86.ASHUFPS)},
	OpShufpd:     {"shufpd", fBinImm, sse(x86.ASHUFPD)},
	OpInsertps:   {"insertps", fBinImm, sse(x86.AINSERTPS)},
	OpCmpps:      {"cmpps", fBinImm, sse(x86.ACMPPS)},
	OpCmppd:      {"cmppd", fBinImm, sse(x86.ACMPPD)},
	OpPblendw:    {"pblendw", fBinImm, sse(x86.APBLENDW)},
	OpPalignr:    {"palignr", fBinImm, sse(x86.APALIGNR)},
	OpPinsrb:     {"pinsrb", fBinImm, sse(x86.APINSRB)},
	OpPinsrw:     {"pinsrw", fBinImm, sse(x86.APINSRW)},
	OpPinsrd:     {"pinsrd", fBinImm, sse(x86.APINSRD)},
	OpPinsrq:     {"pinsrq", fBinImm, sse(x86.APINSRQ)},
	OpPtest:      {"ptest", fCmp, sse(x86.APTEST)},

	OpVpbroadcastb: {"vpbroadcastb", fMov, sse(x86.AVPBROADCASTB)},
	OpVpbroadcastw: {"vpbroadcastw", fMov, sse(x86.AVPBROADCASTW)},
	OpVpbroadcastd: {"vpbroadcastd", fMov, sse(x86.AVPBROADCASTD)},
	OpVpbroadcastq: {"vpbroadcastq", fMov, sse(x86.AVPBROADCASTQ)},
	OpVbroadcastss: {"vbroadcastss", fMov, sse(x86.AVBROADCASTSS)},
}

func (o Op) String() string { return ops[o].name }

// vecGPR marks the operands of vector ops that are general registers:
// 1 the destination, 4 the second source.
var vecGPR = [numOps]uint8{
	OpPmovmskb: 1,
	OpMovmskps: 1,
	OpMovmskpd: 1,
	OpPextrb:   1,
	OpPextrw:   1,
	OpPextrd:   1,
	OpPextrq:   1,
	OpPinsrb:   4,
	OpPinsrw:   4,
	OpPinsrd:   4,
	OpPinsrq:   4,
}

// isVec reports whether o is one of the vector ops.
func (o Op) isVec() bool { return o >= OpPaddb && o < numOps }

// floatDst reports whether the op writes an XMM register.
func (o Op) floatDst() bool {
	if o.isVec() {
		return vecGPR[o]&1 == 0
	}
	switch o {
	case OpCvttss2si, OpCvttsd2si, OpMovXG:
		return false
	}
	return o >= OpAddss && o <= OpStoreups
}

// floatSrc reports whether the op's register sources are XMM registers
// (for vector ops: the first source).
func (o Op) floatSrc() bool {
	if o.isVec() {
		return true
	}
	switch o {
	case OpCvtsi2ss, OpCvtsi2sd, OpMovGX:
		return false
	}
	return o >= OpAddss && o <= OpUcomisd
}

// Instr is one machine instruction. It holds no pointers: lists live in
// the Func (see List), so the garbage collector never scans instruction
// storage and copying instructions needs no write barriers.
type Instr struct {
	Op   Op
	Size uint8 // operand size in bytes for integer ops (1, 2, 4, 8)
	Cond Cond
	Dst2 Reg // second result (remainder of div)
	Dst  Operand
	Src  [3]Operand
	// Target holds successor blocks: jmp uses [0], jcc [0] (taken) and
	// [1] (fall-through).
	Target [2]int32
	Func   int32  // direct call target (function index), or -1
	Trap   uint32 // trap code (trap) or exit argument (exit)
	Pos    int32  // wasm byte offset recorded with the code offset; 0 = none
	Args   List   // call arguments and returned values, in order (Func.Regs)
	Rets   List   // call results (Func.Regs)
	Table  List   // jmptab: the target block of each index (Func.Targets)
}

// List is a run of a Func's register or target pool.
type List struct{ Off, Len int32 }

// Block is a basic block of machine instructions.
type Block struct {
	Instrs    []Instr
	LoopDepth int32
}

// Const is a constant-pool entry.
type Const struct {
	Data  []byte
	Align int
}

// Func is a function in machine IR.
type Func struct {
	Name      string
	Blocks    []*Block // layout order; block 0 is the entry
	VRegFloat []bool   // per virtual register: true for the float class
	Consts    []Const
	// CoalesceCopies asks the register allocator to join copies' sources
	// and destinations (regalloc.Func.CoalesceCopies).
	CoalesceCopies bool
	// VEX emits every SSE instruction in its VEX form (AVX; see vex.go):
	// the two-address ones then take a destination of their own.
	VEX     bool
	regPool []Reg   // the lists of Instr.Args and Instr.Rets
	tabPool []int32 // the lists of Instr.Table

	// Set by Allocate.
	allocated   bool
	frameSize   int32 // bytes RSP is lowered by after the pushes
	calleeSaved []Reg
	spillBase   int32 // offset of the spill area from RSP
	OutArgs     int32 // bytes of outgoing stack arguments (below spills)
}

// NewVReg adds a virtual register.
func (f *Func) NewVReg(float bool) Reg {
	f.VRegFloat = append(f.VRegFloat, float)
	return FirstVirtual + Reg(len(f.VRegFloat)-1)
}

// AddConst adds a constant-pool entry and returns its operand.
func (f *Func) AddConst(data []byte, align int) Operand {
	f.Consts = append(f.Consts, Const{Data: data, Align: align})
	return C(int32(len(f.Consts) - 1))
}

// RegList stores rs as a list of f's registers.
func (f *Func) RegList(rs []Reg) List {
	l := List{Off: int32(len(f.regPool)), Len: int32(len(rs))}
	f.regPool = append(f.regPool, rs...)
	return l
}

// TargetList stores ts as a list of f's block targets.
func (f *Func) TargetList(ts []int32) List {
	l := List{Off: int32(len(f.tabPool)), Len: int32(len(ts))}
	f.tabPool = append(f.tabPool, ts...)
	return l
}

// Regs returns the registers of l; writes go to f.
func (f *Func) Regs(l List) []Reg { return f.regPool[l.Off : l.Off+l.Len : l.Off+l.Len] }

// Targets returns the block targets of l; writes go to f.
func (f *Func) Targets(l List) []int32 { return f.tabPool[l.Off : l.Off+l.Len : l.Off+l.Len] }

// Succs returns the successors of block b.
func (f *Func) Succs(b int) []int32 {
	blk := f.Blocks[b]
	if len(blk.Instrs) == 0 {
		return nil
	}
	last := &blk.Instrs[len(blk.Instrs)-1]
	switch last.Op {
	case OpJmp:
		return last.Target[:1]
	case OpJcc:
		return last.Target[:2]
	case OpJmpTab:
		return distinct(f.Targets(last.Table))
	}
	return nil
}

// distinct returns the targets of a jump table without repeats, in order
// of first appearance. Tables usually have few distinct targets, found by
// a scan of the result; a map takes over when there are many.
func distinct(table []int32) []int32 {
	var out []int32
	var seen map[int32]bool
	for _, t := range table {
		if seen != nil {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
			continue
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
			if len(out) == 32 {
				seen = make(map[int32]bool, 2*len(out))
				for _, u := range out {
					seen[u] = true
				}
			}
		}
	}
	return out
}
