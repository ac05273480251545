package amd64

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// The text form of machine IR, one instruction per line, destination
// first (Intel order):
//
//	b1 depth=1:
//	  add.q v2, v0, v1            v2 = v0 + v1 (v2 gets v0's register)
//	  mov.l v3, [r15+v1*4+16]     load; "store.l [mem], v3" stores
//	  movsd f4, const64(0x3ff8000000000000)
//	  shl.q v5, v5, v6            the count of a variable shift is RCX
//	  div.q v7, v8, v0, v1, v2    quotient, remainder = v0:v1 / v2
//	  set ne v9 | cmov.q l v2, v0, v1 | jcc ne b1, b2
//	  call func3 (v1, f2) -> v4 | call [r15+32] () -> () | ret v4
//	  trap 2 | ud2 | jmp b1
//
// In a VEX function (Func.VEX) the SSE ops are printed with their VEX
// names (vpaddb, vaddsd), and parsing one makes the function a VEX one.
// Virtual registers are vN (integer) or fN (float); physical ones use
// their usual names (rax, xmm3). Parse numbers virtual registers in order
// of appearance, so printing renumbers them.

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
		return f.regString(o.Reg)
	case KImm:
		return strconv.FormatInt(o.Imm, 10)
	case KMem:
		var sb strings.Builder
		sb.WriteByte('[')
		sep := ""
		if o.Reg != NoReg {
			sb.WriteString(f.regString(o.Reg))
			sep = "+"
		}
		if o.Index != NoReg {
			fmt.Fprintf(&sb, "%s%s*%d", sep, f.regString(o.Index), o.Scale)
			sep = "+"
		}
		if o.Disp != 0 || sep == "" {
			if o.Disp < 0 || sep == "" {
				fmt.Fprintf(&sb, "%d", o.Disp)
			} else {
				fmt.Fprintf(&sb, "+%d", o.Disp)
			}
		}
		sb.WriteByte(']')
		return sb.String()
	case KConst:
		if int(o.ConstIndex()) >= len(f.Consts) {
			return fmt.Sprintf("const?%d", o.ConstIndex())
		}
		d := f.Consts[o.ConstIndex()].Data
		switch len(d) {
		case 4:
			return fmt.Sprintf("const32(%#x)", binary.LittleEndian.Uint32(d))
		case 8:
			return fmt.Sprintf("const64(%#x)", binary.LittleEndian.Uint64(d))
		case 16:
			return fmt.Sprintf("const128(%#016x%016x)", binary.LittleEndian.Uint64(d[8:]), binary.LittleEndian.Uint64(d))
		}
		return fmt.Sprintf("const?%d", o.ConstIndex())
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

// InstrString prints one instruction.
func (f *Func) InstrString(in *Instr) string {
	info := &ops[in.Op]
	name := info.name
	if f.VEX && in.Op.hasVEX() && !strings.HasPrefix(name, "v") {
		name = "v" + name
	}
	if info.sized() && in.Op != OpCmov {
		name += "." + sizeSuffix(in.Size)
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
	case fSet:
		return fmt.Sprintf("set %s %s", in.Cond, f.operandString(in.Dst))
	case fCmov:
		return fmt.Sprintf("cmov.%s %s %s, %s, %s", sizeSuffix(in.Size), in.Cond, f.operandString(in.Dst), f.operandString(in.Src[0]), f.operandString(in.Src[1]))
	case fJmp:
		return fmt.Sprintf("jmp b%d", in.Target[0])
	case fJcc:
		return fmt.Sprintf("jcc %s b%d, b%d", in.Cond, in.Target[0], in.Target[1])
	case fRet, fParams:
		s := info.name
		for i, r := range f.Regs(in.Args) {
			if i == 0 {
				s += " "
			} else {
				s += ", "
			}
			s += f.regString(r)
		}
		return s
	case fCall:
		target := fmt.Sprintf("func%d", in.Func)
		if in.Func < 0 {
			target = f.operandString(in.Src[0])
		}
		return fmt.Sprintf("call %s %s -> %s", target, f.regList(f.Regs(in.Args)), f.regList(f.Regs(in.Rets)))
	case fTrap:
		return fmt.Sprintf("trap %d", in.Trap)
	case fExit:
		return fmt.Sprintf("exit %#x", in.Trap)
	case fPoll:
		return "poll"
	case fJmpTab:
		t := make([]string, in.Table.Len)
		for i, b := range f.Targets(in.Table) {
			t[i] = fmt.Sprintf("b%d", b)
		}
		return fmt.Sprintf("jmptab %s, [%s]", f.operandString(in.Src[0]), strings.Join(t, ", "))
	case fUD2:
		return "ud2"
	case fDiv:
		add(in.Dst, R(in.Dst2))
		add(in.Src[:]...)
	default:
		add(in.Dst)
		add(in.Src[:]...)
	}
	return name + " " + strings.Join(args, ", ")
}

func sizeSuffix(s uint8) string {
	switch s {
	case 1:
		return "b"
	case 2:
		return "w"
	case 4:
		return "l"
	case 8:
		return "q"
	}
	return "?"
}

// Parse reads a function in the text form.
func Parse(src string) (*Func, error) {
	p := &parser{f: &Func{}, vregs: map[string]Reg{}}
	for ln, line := range strings.Split(src, "\n") {
		if i := strings.IndexAny(line, "#;"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if err := p.line(line); err != nil {
			return nil, fmt.Errorf("line %d: %q: %v", ln+1, line, err)
		}
	}
	if len(p.f.Blocks) == 0 {
		return nil, fmt.Errorf("no blocks")
	}
	return p.f, nil
}

type parser struct {
	f     *Func
	vregs map[string]Reg
}

var opByName = func() map[string]Op {
	m := map[string]Op{}
	for o := range numOps {
		m[ops[o].name] = o
	}
	return m
}()

var condByName = func() map[string]Cond {
	m := map[string]Cond{}
	for c := range numConds {
		m[condNames[c]] = c
	}
	return m
}()

func (p *parser) line(line string) error {
	if strings.HasSuffix(line, ":") {
		fields := strings.Fields(strings.TrimSuffix(line, ":"))
		if len(fields) == 0 || fields[0] != fmt.Sprintf("b%d", len(p.f.Blocks)) {
			return fmt.Errorf("blocks must be named b0, b1, ... in order")
		}
		blk := &Block{}
		for _, fld := range fields[1:] {
			if _, err := fmt.Sscanf(fld, "depth=%d", &blk.LoopDepth); err != nil {
				return err
			}
		}
		p.f.Blocks = append(p.f.Blocks, blk)
		return nil
	}
	if len(p.f.Blocks) == 0 {
		return fmt.Errorf("instruction outside a block")
	}
	mn, rest, _ := strings.Cut(line, " ")
	rest = strings.TrimSpace(rest)
	name, suffix, _ := strings.Cut(mn, ".")
	op, ok := opByName[name]
	if vop, vok := opByName[strings.TrimPrefix(name, "v")]; !ok && vok && vop.hasVEX() {
		// The VEX form: the function is a VEX one.
		op, ok = vop, true
		p.f.VEX = true
	}
	if !ok {
		return fmt.Errorf("unknown op %q", name)
	}
	in := Instr{Op: op, Func: -1, Dst2: NoReg}
	info := &ops[op]
	if suffix != "" {
		switch suffix {
		case "b":
			in.Size = 1
		case "w":
			in.Size = 2
		case "l":
			in.Size = 4
		case "q":
			in.Size = 8
		default:
			return fmt.Errorf("bad size %q", suffix)
		}
		if info.as[sizeIndex(in.Size)] == 0 {
			return fmt.Errorf("%s has no %d-byte form", name, in.Size)
		}
	} else if info.sized() {
		return fmt.Errorf("%s needs a size suffix", name)
	}
	takeCond := func() error {
		c, r, _ := strings.Cut(rest, " ")
		cc, ok := condByName[c]
		if !ok {
			return fmt.Errorf("bad condition %q", c)
		}
		in.Cond, rest = cc, strings.TrimSpace(r)
		return nil
	}
	switch info.form {
	case fSet, fCmov, fJcc:
		if err := takeCond(); err != nil {
			return err
		}
	}
	blk := p.f.Blocks[len(p.f.Blocks)-1]
	switch info.form {
	case fJmp, fJcc:
		for i, t := range splitArgs(rest) {
			n, err := strconv.Atoi(strings.TrimPrefix(t, "b"))
			if err != nil || i > 1 || !strings.HasPrefix(t, "b") {
				return fmt.Errorf("bad jump target %q", t)
			}
			in.Target[i] = int32(n)
		}
	case fRet, fParams:
		var args []Reg
		for _, t := range splitArgs(rest) {
			r, err := p.reg(t)
			if err != nil {
				return err
			}
			args = append(args, r)
		}
		in.Args = p.f.RegList(args)
	case fPoll:
	case fJmpTab:
		idx, list, ok := strings.Cut(rest, ",")
		list = strings.TrimSpace(list)
		if !ok || !strings.HasPrefix(list, "[") || !strings.HasSuffix(list, "]") {
			return fmt.Errorf("jmptab needs an index and [targets]")
		}
		r, err := p.reg(strings.TrimSpace(idx))
		if err != nil {
			return err
		}
		in.Src[0] = R(r)
		var table []int32
		for _, t := range splitArgs(list[1 : len(list)-1]) {
			n, err := strconv.Atoi(strings.TrimPrefix(t, "b"))
			if err != nil || !strings.HasPrefix(t, "b") {
				return fmt.Errorf("bad jump target %q", t)
			}
			table = append(table, int32(n))
		}
		in.Table = p.f.TargetList(table)
		in.Src[1] = p.f.AddConst(make([]byte, 8*len(table)), 8)
	case fTrap, fExit:
		n, err := strconv.ParseUint(rest, 0, 32)
		if err != nil {
			return err
		}
		in.Trap = uint32(n)
	case fUD2:
	case fCall:
		target, tail, _ := strings.Cut(rest, " ")
		if strings.HasPrefix(target, "func") {
			n, err := strconv.Atoi(target[4:])
			if err != nil {
				return err
			}
			in.Func = int32(n)
		} else {
			o, err := p.operand(target, false)
			if err != nil {
				return err
			}
			in.Src[0] = o
		}
		args, rets, ok := strings.Cut(tail, "->")
		if !ok {
			return fmt.Errorf("call needs (args) -> (results)")
		}
		as, err := p.regs(args)
		if err != nil {
			return err
		}
		rs, err := p.regs(rets)
		if err != nil {
			return err
		}
		in.Args, in.Rets = p.f.RegList(as), p.f.RegList(rs)
	default:
		args := splitArgs(rest)
		float := op.floatDst()
		var ds []Operand
		for i, a := range args {
			fl := float
			if i > 0 || info.form == fStore || info.form == fCmp {
				fl = op.floatSrc()
			}
			if op.isVec() && i == 2 && vecGPR[op]&4 != 0 {
				fl = false
			}
			o, err := p.operand(a, fl)
			if err != nil {
				return err
			}
			ds = append(ds, o)
		}
		n := 0
		switch info.form {
		case fCmp, fRep:
			n = copy(in.Src[:], ds)
		case fDiv:
			if len(ds) != 5 || ds[1].Kind != KReg {
				return fmt.Errorf("div needs quotient, remainder, low, high, divisor")
			}
			in.Dst, in.Dst2 = ds[0], ds[1].Reg
			n = 2 + copy(in.Src[:], ds[2:])
		default:
			if len(ds) == 0 {
				return fmt.Errorf("missing operands")
			}
			in.Dst = ds[0]
			n = 1 + copy(in.Src[:], ds[1:])
		}
		if n != len(ds) {
			return fmt.Errorf("too many operands")
		}
	}
	blk.Instrs = append(blk.Instrs, in)
	return nil
}

func sizeIndex(s uint8) int {
	switch s {
	case 1:
		return 0
	case 2:
		return 1
	case 4:
		return 2
	}
	return 3
}

func splitArgs(s string) []string {
	var out []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

func (p *parser) regs(s string) ([]Reg, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "(") || !strings.HasSuffix(s, ")") {
		return nil, fmt.Errorf("expected a parenthesized register list, got %q", s)
	}
	var out []Reg
	for _, t := range splitArgs(s[1 : len(s)-1]) {
		r, err := p.reg(t)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (p *parser) reg(t string) (Reg, error) {
	if t == "inargs" {
		return InArgs, nil
	}
	for i, n := range regNames {
		if n == t {
			return Reg(i), nil
		}
	}
	if r, ok := p.vregs[t]; ok {
		return r, nil
	}
	if len(t) > 1 && (t[0] == 'v' || t[0] == 'f') {
		if _, err := strconv.Atoi(t[1:]); err != nil {
			return NoReg, fmt.Errorf("bad register %q", t)
		}
		// Names are numbered in order of appearance: v0 and f0 differ.
		r := p.f.NewVReg(t[0] == 'f')
		p.vregs[t] = r
		return r, nil
	}
	return NoReg, fmt.Errorf("bad register %q", t)
}

func (p *parser) operand(t string, float bool) (Operand, error) {
	switch {
	case strings.HasPrefix(t, "["):
		if !strings.HasSuffix(t, "]") {
			return Operand{}, fmt.Errorf("bad memory operand %q", t)
		}
		m := Mem{Base: NoReg, Index: NoReg, Scale: 1}
		body := strings.ReplaceAll(t[1:len(t)-1], "-", "+-")
		for _, part := range strings.Split(body, "+") {
			part = strings.TrimSpace(part)
			switch {
			case part == "":
			case strings.Contains(part, "*"):
				r, s, _ := strings.Cut(part, "*")
				reg, err := p.reg(r)
				if err != nil {
					return Operand{}, err
				}
				sc, err := strconv.Atoi(s)
				if err != nil || (sc != 1 && sc != 2 && sc != 4 && sc != 8) {
					return Operand{}, fmt.Errorf("bad scale %q", s)
				}
				m.Index, m.Scale = reg, uint8(sc)
			case part[0] == '-' || (part[0] >= '0' && part[0] <= '9'):
				d, err := strconv.ParseInt(part, 0, 32)
				if err != nil {
					return Operand{}, err
				}
				m.Disp += int32(d)
			default:
				reg, err := p.reg(part)
				if err != nil {
					return Operand{}, err
				}
				if m.Base == NoReg {
					m.Base = reg
				} else {
					m.Index = reg
				}
			}
		}
		return M(m), nil
	case strings.HasPrefix(t, "const"):
		open, close := strings.IndexByte(t, '('), strings.IndexByte(t, ')')
		if open < 0 || close < open {
			return Operand{}, fmt.Errorf("bad constant %q", t)
		}
		hex := strings.TrimPrefix(t[open+1:close], "0x")
		var data []byte
		switch t[:open] {
		case "const32", "const64":
			v, err := strconv.ParseUint(hex, 16, 64)
			if err != nil {
				return Operand{}, err
			}
			data = binary.LittleEndian.AppendUint64(nil, v)
			if t[:open] == "const32" {
				data = data[:4]
			}
		case "const128":
			if len(hex) != 32 {
				return Operand{}, fmt.Errorf("const128 needs 32 hex digits")
			}
			hi, err1 := strconv.ParseUint(hex[:16], 16, 64)
			lo, err2 := strconv.ParseUint(hex[16:], 16, 64)
			if err1 != nil || err2 != nil {
				return Operand{}, fmt.Errorf("bad const128 %q", t)
			}
			data = binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, lo), hi)
		default:
			return Operand{}, fmt.Errorf("bad constant %q", t)
		}
		return p.f.AddConst(data, len(data)), nil
	case t[0] == '-' || (t[0] >= '0' && t[0] <= '9'):
		v, err := strconv.ParseInt(t, 0, 64)
		if err != nil {
			u, err2 := strconv.ParseUint(t, 0, 64)
			if err2 != nil {
				return Operand{}, err
			}
			v = int64(u)
		}
		return Imm(v), nil
	}
	r, err := p.reg(t)
	if err != nil {
		return Operand{}, err
	}
	if r.IsVirtual() && p.f.VRegFloat[r.VReg()] != float {
		return Operand{}, fmt.Errorf("%s has the wrong register class", t)
	}
	if !r.IsVirtual() && r.IsFloat() != float {
		return Operand{}, fmt.Errorf("%s has the wrong register class", t)
	}
	return R(r), nil
}
