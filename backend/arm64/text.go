package arm64

import (
	"fmt"
	"strconv"
	"strings"
)

// The text form of machine IR, one instruction per line, destination
// first:
//
//	b1 depth=1:
//	  add.w r2, r0, r1            r2 = r0 + r1 (32-bit)
//	  add.x r3, r4, r5 lsl 3      shifted register operand
//	  ldrw.w r3, [r6, r1 uxtw]     load; "str.x [mem], r3" stores
//	  csel.x eq r2, r0, r1 | cset.w ne r9 | b.cond ne b1, b2 | cbz.w r1 b1, b2
//	  call func3 (r1, f2) -> r4 | call [x26+32] () -> () | ret r4
//	  trap 2 | brk | b b1
//
// Virtual registers are rN (integer) or fN (float); physical ones use
// their usual names (x3, v3).

// String prints f in the text form.
func (f *Func) String() string {
	var sb strings.Builder
	for b, blk := range f.Blocks {
		if blk.LoopDepth != 0 {
			fmt.Fprintf(&sb, "b%d depth=%d:\n", b, blk.LoopDepth)
		} else {
			fmt.Fprintf(&sb, "b%d:\n", b)
		}
		for i := range blk.Instrs {
			sb.WriteString("  ")
			sb.WriteString(f.InstrString(&blk.Instrs[i]))
			sb.WriteString("\n")
		}
	}
	return sb.String()
}

func (f *Func) regString(r Reg) string {
	if r.IsVirtual() && int(r.VReg()) < len(f.VRegFloat) && f.VRegFloat[r.VReg()] {
		return fmt.Sprintf("f%d", r-FirstVirtual)
	}
	return r.String()
}

func (f *Func) operandString(o Operand) string {
	switch o.Kind {
	case KReg:
		s := f.regString(o.Reg)
		if o.Ext != ExtNone {
			s += " " + extNames[o.Ext]
			if o.Amount != 0 || o.Ext <= ExtASR {
				s += " " + strconv.Itoa(int(o.Amount))
			}
		}
		return s
	case KImm:
		return strconv.FormatInt(o.Imm, 10)
	case KMem:
		if o.Index != NoReg {
			s := fmt.Sprintf("[%s, %s", f.regString(o.Reg), f.regString(o.Index))
			if o.Ext != ExtNone {
				s += " " + extNames[o.Ext]
			}
			if o.Amount != 0 {
				s += " " + strconv.Itoa(int(o.Amount))
			}
			return s + "]"
		}
		if o.Disp == 0 {
			return "[" + f.regString(o.Reg) + "]"
		}
		return fmt.Sprintf("[%s%+d]", f.regString(o.Reg), o.Disp)
	}
	return "_"
}

func (f *Func) regList(rs []Reg) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = f.regString(r)
	}
	return "(" + strings.Join(s, ", ") + ")"
}

func sizeSuffix(float bool, size uint8) string {
	if float {
		switch size {
		case 4:
			return "s"
		case 8:
			return "d"
		case 16:
			return "q"
		}
	} else {
		switch size {
		case 4:
			return "w"
		case 8:
			return "x"
		}
	}
	return strconv.Itoa(int(size))
}

// InstrString prints one instruction.
func (f *Func) InstrString(in *Instr) string {
	info := &ops[in.Op]
	name := info.name
	if in.Op == OpVec {
		name = in.VName
	}
	switch in.Op {
	case OpScvtf, OpUcvtf:
		name += "." + sizeSuffix(true, in.Size) + "." + sizeSuffix(false, in.SrcSize)
	case OpFcvtzs, OpFcvtzu:
		name += "." + sizeSuffix(false, in.Size) + "." + sizeSuffix(true, in.SrcSize)
	default:
		if in.Size != 0 {
			name += "." + sizeSuffix(info.float || info.fsrc, in.Size)
		}
	}
	var args []string
	add := func(o ...Operand) {
		for _, x := range o {
			if x.Kind != KNone {
				args = append(args, f.operandString(x))
			}
		}
	}
	switch info.form {
	case fCset, fCsel, fBcond:
		name += " " + in.Cond.String()
	}
	switch info.form {
	case fJmp:
		return fmt.Sprintf("%s b%d", name, in.Target[0])
	case fBcond:
		return fmt.Sprintf("%s b%d, b%d", name, in.Target[0], in.Target[1])
	case fCbz:
		return fmt.Sprintf("%s %s b%d, b%d", name, f.operandString(in.Src[0]), in.Target[0], in.Target[1])
	case fRet, fParams:
		if len(in.Args) == 0 {
			return name
		}
		return name + " " + strings.Trim(f.regList(in.Args), "()")
	case fCall:
		target := fmt.Sprintf("func%d", in.Func)
		if in.Func < 0 {
			target = f.operandString(in.Src[0])
		}
		return fmt.Sprintf("%s %s %s -> %s", name, target, f.regList(in.Args), f.regList(in.Rets))
	case fTrap, fExit:
		return fmt.Sprintf("%s %d", name, in.Trap)
	case fJmpTab:
		ts := make([]string, len(in.Table))
		for i, t := range in.Table {
			ts[i] = fmt.Sprintf("b%d", t)
		}
		return fmt.Sprintf("%s %s [%s]", name, f.operandString(in.Src[0]), strings.Join(ts, " "))
	case fCmp:
		add(in.Src[0], in.Src[1])
	case fStore:
		add(in.Dst, in.Src[0])
	default:
		add(in.Dst, in.Src[0], in.Src[1], in.Src[2])
	}
	if len(args) == 0 {
		return name
	}
	return name + " " + strings.Join(args, ", ")
}
