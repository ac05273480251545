package amd64

import (
	"fmt"

	"github.com/twitchyliquid64/golang-asm/obj"
	"github.com/twitchyliquid64/golang-asm/obj/x86"
)

// VEX encodings (AVX). A function selected with AVX allowed (Func.VEX) has
// every SSE instruction emitted in its VEX form, all of them 128 bits wide:
//
//   - the two-address forms become three-address ones (vpaddb x0, x1, x2
//     writes x0 without reading it), so the allocator does not tie the
//     destination to the first source and the copy that tie cost when the
//     source lives on is gone; VEX memory operands need no alignment, so
//     a spilled vector is read from its slot;
//   - scalar ops that merge into the destination's upper lanes (sqrtsd,
//     roundsd, cvtss2sd) take the upper lanes from their source instead,
//     which ends the false dependency on the destination's old value.
//
// Mixing legacy SSE and VEX code costs nothing while the upper halves of
// the YMM registers are clean (zero): VEX.128 instructions zero them in
// their destination, and legacy SSE instructions leave them alone, so
// neither makes them dirty. Only 256-bit instructions could, and wasiaot
// emits none, so no vzeroupper is needed: not in these functions, not
// around calls into the legacy-encoded entry, host-call and trap stubs.
// The Go code that runs between host calls keeps them clean too (its AVX2
// routines end in vzeroupper). A function is either all VEX or all
// legacy, so no hot loop mixes the two even on the cores that charge for
// it.

// vexAs maps ops to their VEX form; 0: none (integer ops, or emitted
// some other way).
var vexAs = [numOps]obj.As{
	OpAddss: x86.AVADDSS, OpAddsd: x86.AVADDSD, OpSubss: x86.AVSUBSS, OpSubsd: x86.AVSUBSD,
	OpMulss: x86.AVMULSS, OpMulsd: x86.AVMULSD, OpDivss: x86.AVDIVSS, OpDivsd: x86.AVDIVSD,
	OpMinss: x86.AVMINSS, OpMinsd: x86.AVMINSD, OpMaxss: x86.AVMAXSS, OpMaxsd: x86.AVMAXSD,
	OpAndps: x86.AVANDPS, OpAndpd: x86.AVANDPD, OpAndnps: x86.AVANDNPS, OpAndnpd: x86.AVANDNPD,
	OpOrps: x86.AVORPS, OpOrpd: x86.AVORPD, OpXorps: x86.AVXORPS, OpXorpd: x86.AVXORPD,
	OpMovss: x86.AVMOVSS, OpMovsd: x86.AVMOVSD, OpMovaps: x86.AVMOVAPS, OpMovups: x86.AVMOVUPS,
	OpSqrtss: x86.AVSQRTSS, OpSqrtsd: x86.AVSQRTSD, OpRoundss: x86.AVROUNDSS, OpRoundsd: x86.AVROUNDSD,
	OpCvtss2sd: x86.AVCVTSS2SD, OpCvtsd2ss: x86.AVCVTSD2SS,
	OpStoress: x86.AVMOVSS, OpStoresd: x86.AVMOVSD, OpStoreups: x86.AVMOVUPS,
	OpUcomiss: x86.AVUCOMISS, OpUcomisd: x86.AVUCOMISD,

	OpPaddb: x86.AVPADDB, OpPaddw: x86.AVPADDW, OpPaddd: x86.AVPADDD, OpPaddq: x86.AVPADDQ,
	OpPsubb: x86.AVPSUBB, OpPsubw: x86.AVPSUBW, OpPsubd: x86.AVPSUBD, OpPsubq: x86.AVPSUBQ,
	OpPaddsb: x86.AVPADDSB, OpPaddsw: x86.AVPADDSW, OpPaddusb: x86.AVPADDUSB, OpPaddusw: x86.AVPADDUSW,
	OpPsubsb: x86.AVPSUBSB, OpPsubsw: x86.AVPSUBSW, OpPsubusb: x86.AVPSUBUSB, OpPsubusw: x86.AVPSUBUSW,
	OpPmullw: x86.AVPMULLW, OpPmulld: x86.AVPMULLD, OpPmuludq: x86.AVPMULUDQ, OpPmuldq: x86.AVPMULDQ,
	OpPminsb: x86.AVPMINSB, OpPminsw: x86.AVPMINSW, OpPminsd: x86.AVPMINSD,
	OpPminub: x86.AVPMINUB, OpPminuw: x86.AVPMINUW, OpPminud: x86.AVPMINUD,
	OpPmaxsb: x86.AVPMAXSB, OpPmaxsw: x86.AVPMAXSW, OpPmaxsd: x86.AVPMAXSD,
	OpPmaxub: x86.AVPMAXUB, OpPmaxuw: x86.AVPMAXUW, OpPmaxud: x86.AVPMAXUD,
	OpPavgb: x86.AVPAVGB, OpPavgw: x86.AVPAVGW,
	OpPcmpeqb: x86.AVPCMPEQB, OpPcmpeqw: x86.AVPCMPEQW, OpPcmpeqd: x86.AVPCMPEQD, OpPcmpeqq: x86.AVPCMPEQQ,
	OpPcmpgtb: x86.AVPCMPGTB, OpPcmpgtw: x86.AVPCMPGTW, OpPcmpgtd: x86.AVPCMPGTD, OpPcmpgtq: x86.AVPCMPGTQ,
	OpPand: x86.AVPAND, OpPandn: x86.AVPANDN, OpPor: x86.AVPOR, OpPxor: x86.AVPXOR,
	OpPshufb:   x86.AVPSHUFB,
	OpPacksswb: x86.AVPACKSSWB, OpPackssdw: x86.AVPACKSSDW, OpPackuswb: x86.AVPACKUSWB, OpPackusdw: x86.AVPACKUSDW,
	OpPunpcklbw: x86.AVPUNPCKLBW, OpPunpckhbw: x86.AVPUNPCKHBW, OpPunpcklqdq: x86.AVPUNPCKLQDQ, OpUnpcklps: x86.AVUNPCKLPS,
	OpPmaddwd: x86.AVPMADDWD, OpPmaddubsw: x86.AVPMADDUBSW, OpPmulhrsw: x86.AVPMULHRSW,
	OpAddps: x86.AVADDPS, OpAddpd: x86.AVADDPD, OpSubps: x86.AVSUBPS, OpSubpd: x86.AVSUBPD,
	OpMulps: x86.AVMULPS, OpMulpd: x86.AVMULPD, OpDivps: x86.AVDIVPS, OpDivpd: x86.AVDIVPD,
	OpMinps: x86.AVMINPS, OpMinpd: x86.AVMINPD, OpMaxps: x86.AVMAXPS, OpMaxpd: x86.AVMAXPD,
	OpPsllw: x86.AVPSLLW, OpPslld: x86.AVPSLLD, OpPsllq: x86.AVPSLLQ,
	OpPsrlw: x86.AVPSRLW, OpPsrld: x86.AVPSRLD, OpPsrlq: x86.AVPSRLQ,
	OpPsraw: x86.AVPSRAW, OpPsrad: x86.AVPSRAD,
	OpPshufd: x86.AVPSHUFD, OpPshuflw: x86.AVPSHUFLW,
	OpRoundps: x86.AVROUNDPS, OpRoundpd: x86.AVROUNDPD, OpSqrtps: x86.AVSQRTPS, OpSqrtpd: x86.AVSQRTPD,
	OpCvtdq2ps: x86.AVCVTDQ2PS, OpCvtdq2pd: x86.AVCVTDQ2PD, OpCvttps2dq: x86.AVCVTTPS2DQ,
	OpCvttpd2dq: x86.AVCVTTPD2DQX, OpCvtpd2ps: x86.AVCVTPD2PSX, OpCvtps2pd: x86.AVCVTPS2PD,
	OpPabsb: x86.AVPABSB, OpPabsw: x86.AVPABSW, OpPabsd: x86.AVPABSD,
	OpPmovsxbw: x86.AVPMOVSXBW, OpPmovsxwd: x86.AVPMOVSXWD, OpPmovsxdq: x86.AVPMOVSXDQ,
	OpPmovzxbw: x86.AVPMOVZXBW, OpPmovzxwd: x86.AVPMOVZXWD, OpPmovzxdq: x86.AVPMOVZXDQ,
	OpPmovmskb: x86.AVPMOVMSKB, OpMovmskps: x86.AVMOVMSKPS, OpMovmskpd: x86.AVMOVMSKPD,
	OpPextrb: x86.AVPEXTRB, OpPextrw: x86.AVPEXTRW, OpPextrd: x86.AVPEXTRD, OpPextrq: x86.AVPEXTRQ,
	OpShufps: x86.AVSHUFPS, OpShufpd: x86.AVSHUFPD, OpInsertps: x86.AVINSERTPS,
	OpCmpps: x86.AVCMPPS, OpCmppd: x86.AVCMPPD, OpPblendw: x86.AVPBLENDW, OpPalignr: x86.AVPALIGNR,
	OpPinsrb: x86.AVPINSRB, OpPinsrw: x86.AVPINSRW, OpPinsrd: x86.AVPINSRD, OpPinsrq: x86.AVPINSRQ,
	OpPtest:        x86.AVPTEST,
	OpVpbroadcastb: x86.AVPBROADCASTB, OpVpbroadcastw: x86.AVPBROADCASTW,
	OpVpbroadcastd: x86.AVPBROADCASTD, OpVpbroadcastq: x86.AVPBROADCASTQ,
	OpVbroadcastss: x86.AVBROADCASTSS,
}

// vexSized maps the ops whose form depends on an integer size.
var vexSized = [numOps][2]obj.As{ // 4-byte, 8-byte form
	OpCvtsi2ss:  {x86.AVCVTSI2SSL, x86.AVCVTSI2SSQ},
	OpCvtsi2sd:  {x86.AVCVTSI2SDL, x86.AVCVTSI2SDQ},
	OpCvttss2si: {x86.AVCVTTSS2SI, x86.AVCVTTSS2SIQ},
	OpCvttsd2si: {x86.AVCVTTSD2SI, x86.AVCVTTSD2SIQ},
	OpMovGX:     {x86.AVMOVD, x86.AVMOVQ},
	OpMovXG:     {x86.AVMOVD, x86.AVMOVQ},
}

// hasVEX reports whether the op is emitted in its VEX form in a VEX
// function.
func (o Op) hasVEX() bool { return vexAs[o] != 0 || vexSized[o][0] != 0 }

// threeAddrVEX reports whether, in a VEX function, the op's destination is
// free of its first source (the two-address forms).
func (o Op) threeAddrVEX() bool {
	f := ops[o].form
	return (f == fBin || f == fBinImm) && o.hasVEX()
}

// mergeVEX lists the scalar ops that take the upper lanes of the result
// from an extra source in their VEX form.
var mergeVEX = [numOps]bool{
	OpSqrtss: true, OpSqrtsd: true, OpRoundss: true, OpRoundsd: true,
	OpCvtss2sd: true, OpCvtsd2ss: true, OpCvtsi2ss: true, OpCvtsi2sd: true,
}

// vex emits in, an op with a VEX form, in a VEX function.
func (e *emitter) vex(in *Instr, operand func(Operand) obj.Addr) (*obj.Prog, error) {
	as := vexAs[in.Op]
	if s := vexSized[in.Op]; s[0] != 0 {
		switch in.Size {
		case 4:
			as = s[0]
		case 8:
			as = s[1]
		default:
			return nil, fmt.Errorf("bad size %d", in.Size)
		}
	}
	info := &ops[in.Op]
	p := e.prog(as)
	switch info.form {
	case fBin:
		// Intel's vop dst, src0, src1 is Go's VOP src1, src0, dst.
		if in.Dst.Kind != KReg || in.Src[0].Kind != KReg {
			return nil, fmt.Errorf("destination and first source must be registers")
		}
		p.From = operand(in.Src[1])
		p.SetFrom3(operand(in.Src[0]))
		p.To = operand(in.Dst)
	case fBinImm:
		if in.Dst.Kind != KReg || in.Src[0].Kind != KReg || in.Src[2].Kind != KImm {
			return nil, fmt.Errorf("needs registers and an immediate")
		}
		p.From = operand(in.Src[2])
		p.RestArgs = []obj.Addr{operand(in.Src[1]), operand(in.Src[0])}
		p.To = operand(in.Dst)
	case fMov:
		imm := in.Op == OpRoundss || in.Op == OpRoundsd || in.Op.isVec() && in.Src[1].Kind != KNone
		if imm && in.Src[1].Kind != KImm {
			return nil, fmt.Errorf("needs an immediate")
		}
		if mergeVEX[in.Op] {
			// The upper lanes come from the source if it is a vector
			// register (no dependency on the destination's old value),
			// else from the destination, as the legacy form does.
			upper := in.Dst
			if in.Src[0].Kind == KReg && in.Op.floatSrc() {
				upper = in.Src[0]
			}
			if imm {
				p.From = operand(in.Src[1])
				p.RestArgs = []obj.Addr{operand(in.Src[0]), operand(upper)}
			} else {
				p.From = operand(in.Src[0])
				p.SetFrom3(operand(upper))
			}
			p.To = operand(in.Dst)
			break
		}
		if imm {
			p.From = operand(in.Src[1])
			p.SetFrom3(operand(in.Src[0]))
		} else {
			p.From = operand(in.Src[0])
		}
		p.To = operand(in.Dst)
	case fStore:
		p.From = operand(in.Src[0])
		p.To = operand(in.Dst)
	case fCmp:
		p.From, p.To = operand(in.Src[1]), operand(in.Src[0])
	default:
		return nil, fmt.Errorf("no VEX form")
	}
	return p, nil
}
