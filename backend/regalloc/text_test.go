package regalloc

import (
	"fmt"
	"strconv"
	"strings"
)

// The test text form of a function:
//
//	regs int=6 float=4          optional: size of the test register file
//	coalesce                    optional: set Func.CoalesceCopies
//	b0:                         a block; "b1 depth=1:" gives a loop depth
//	  v0 = def                  an instruction: defs = name uses
//	  v2^0 = add v0 v1          v2 reuses the register of use 0
//	  = shl +v2 v1@r1           +v: use and def; @rN: fixed register
//	  = store v0 v1*            v1*: may be a stack slot
//	  v3@r0 = call v0@r0 clobber=r0,r1,r2,r3
//	  v4 = mov v3               "mov" marks a copy
//	  v5 = const                "const" marks a rematerializable definition
//	  jmp b1 | br v0 b1 b2 | ret v0@r0
//	expect spills=0 reloads<=2  properties of the result
//	expect.greedy spills<=2     ... of one algorithm's result
//
// Names starting with v are int registers, with f float registers.

type testFunc struct {
	f       Func
	info    *RegInfo
	names   []string
	expects []string
}

func testRegInfo(nInt, nFloat int) *RegInfo {
	info := &RegInfo{SlotSize: [NumClasses]int32{8, 16}}
	info.Names = make([]string, 32+nFloat)
	for i := range nInt {
		info.Names[i] = fmt.Sprintf("r%d", i)
		info.Order[ClassInt] = append(info.Order[ClassInt], PReg(i))
		if i >= nInt-2 {
			info.CalleeSaved = info.CalleeSaved.With(PReg(i))
		}
	}
	for i := range nFloat {
		info.Names[32+i] = fmt.Sprintf("f%d", i)
		info.Order[ClassFloat] = append(info.Order[ClassFloat], PReg(32+i))
	}
	return info
}

func parseTestFunc(src string) (*testFunc, error) {
	t := &testFunc{info: testRegInfo(6, 4)}
	vregs := map[string]VReg{}
	vreg := func(name string) (VReg, error) {
		if v, ok := vregs[name]; ok {
			return v, nil
		}
		var c Class
		switch name[0] {
		case 'v':
			c = ClassInt
		case 'f':
			c = ClassFloat
		default:
			return 0, fmt.Errorf("bad register name %q", name)
		}
		v := t.f.NewVReg(c)
		vregs[name] = v
		t.names = append(t.names, name)
		return v, nil
	}
	preg := func(s string) (PReg, error) {
		if strings.HasPrefix(s, "r") {
			n, err := strconv.Atoi(s[1:])
			return PReg(n), err
		}
		if strings.HasPrefix(s, "f") {
			n, err := strconv.Atoi(s[1:])
			return PReg(32 + n), err
		}
		return 0, fmt.Errorf("bad physical register %q", s)
	}
	operand := func(s string, kind OperandKind) (Operand, error) {
		op := Operand{Kind: kind, Fixed: NoPReg, Reuse: -1}
		if strings.HasPrefix(s, "+") {
			op.Kind, s = UseDef, s[1:]
		}
		if strings.HasSuffix(s, "*") {
			op.MayStack, s = true, s[:len(s)-1]
		}
		if i := strings.IndexByte(s, '^'); i >= 0 {
			n, err := strconv.Atoi(s[i+1:])
			if err != nil {
				return op, err
			}
			op.Reuse, s = int8(n), s[:i]
		}
		if i := strings.IndexByte(s, '@'); i >= 0 {
			r, err := preg(s[i+1:])
			if err != nil {
				return op, err
			}
			op.Fixed, s = r, s[:i]
		}
		v, err := vreg(s)
		op.V = v
		return op, err
	}
	blockNames := map[string]int32{}
	type pending struct {
		block int
		succs []string
	}
	var edges []pending
	src = strings.ReplaceAll(src, "\r", "")
	for ln, line := range strings.Split(src, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		fail := func(err error) (*testFunc, error) { return nil, fmt.Errorf("line %d: %v", ln+1, err) }
		switch {
		case fields[0] == "regs":
			var ni, nf int
			if _, err := fmt.Sscanf(strings.Join(fields, " "), "regs int=%d float=%d", &ni, &nf); err != nil {
				return fail(err)
			}
			t.info = testRegInfo(ni, nf)
			continue
		case fields[0] == "coalesce":
			t.f.CoalesceCopies = true
			continue
		case fields[0] == "expect":
			t.expects = append(t.expects, fields[1:]...)
			continue
		case strings.HasPrefix(fields[0], "expect."):
			alg := strings.TrimPrefix(fields[0], "expect.")
			if _, err := ParseAlgorithm(alg); err != nil {
				return fail(err)
			}
			for _, e := range fields[1:] {
				t.expects = append(t.expects, alg+":"+e)
			}
			continue
		case strings.HasSuffix(line, ":"):
			name := strings.TrimSuffix(fields[0], ":")
			depth := 0
			if len(fields) > 1 {
				if _, err := fmt.Sscanf(strings.TrimSuffix(fields[1], ":"), "depth=%d", &depth); err != nil {
					return fail(err)
				}
			}
			blockNames[name] = int32(t.f.StartBlock(int32(depth)))
			continue
		}
		if len(t.f.Blocks) == 0 {
			return fail(fmt.Errorf("instruction outside a block"))
		}
		var ops []Operand
		eq := -1
		for i, fld := range fields {
			if fld == "=" {
				eq = i
			}
		}
		nDefs := 0
		for _, fld := range fields[:max(eq, 0)] {
			op, err := operand(fld, Def)
			if err != nil {
				return fail(err)
			}
			ops = append(ops, op)
			nDefs++
		}
		for i := range ops {
			if ops[i].Reuse >= 0 {
				ops[i].Reuse += int8(nDefs)
			}
		}
		name := fields[eq+1]
		var clobbers RegSet
		var succs []string
		for _, fld := range fields[eq+2:] {
			switch {
			case strings.HasPrefix(fld, "clobber="):
				for _, r := range strings.Split(fld[len("clobber="):], ",") {
					p, err := preg(r)
					if err != nil {
						return fail(err)
					}
					clobbers = clobbers.With(p)
				}
			case strings.HasPrefix(fld, "b") && (name == "jmp" || name == "br"):
				succs = append(succs, fld)
			default:
				op, err := operand(fld, Use)
				if err != nil {
					return fail(err)
				}
				ops = append(ops, op)
			}
		}
		i := t.f.AddInstr(clobbers, name == "mov", ops...)
		t.f.Instrs[i].Remat = name == "const"
		if succs != nil {
			edges = append(edges, pending{len(t.f.Blocks) - 1, succs})
		}
	}
	for _, e := range edges {
		for _, s := range e.succs {
			b, ok := blockNames[s]
			if !ok {
				return nil, fmt.Errorf("unknown block %s", s)
			}
			t.f.Blocks[e.block].Succs = append(t.f.Blocks[e.block].Succs, b)
		}
	}
	return t, nil
}

// checkExpect evaluates one "name op value" property against a result.
func (t *testFunc) checkExpect(e string, r *Result) error {
	ops := []string{"<=", ">=", "="}
	for _, op := range ops {
		i := strings.Index(e, op)
		if i < 0 {
			continue
		}
		name, want := e[:i], e[i+len(op):]
		w, err := strconv.Atoi(want)
		if err != nil {
			return err
		}
		var got int
		switch name {
		case "spills":
			got = r.Stats.Spills
		case "reloads":
			got = r.Stats.Reloads
		case "moves":
			got = r.Stats.Moves
		case "remats":
			got = r.Stats.Remats
		case "edits":
			got = len(r.Edits)
		case "loop-edits": // copies inserted inside blocks with depth > 0
			for _, ed := range r.Edits {
				for _, b := range t.f.Blocks {
					if ed.At >= b.First && ed.At < b.End && b.LoopDepth > 0 {
						got++
					}
				}
			}
		case "loop-spills": // stores inserted inside blocks with depth > 0
			for _, ed := range r.Edits {
				for _, b := range t.f.Blocks {
					if ed.At >= b.First && ed.At < b.End && b.LoopDepth > 0 && ed.From.IsReg() && ed.To.IsSlot() {
						got++
					}
				}
			}
		case "callee-saved":
			for s := r.UsedCalleeSaved; s != 0; s &= s - 1 {
				got++
			}
		case "frame":
			got = int(r.FrameSize)
		case "dropped": // copies left with nothing to do
			for _, d := range r.Dropped {
				if d {
					got++
				}
			}
		default:
			return fmt.Errorf("unknown property %q", name)
		}
		ok := (op == "=" && got == w) || (op == "<=" && got <= w) || (op == ">=" && got >= w)
		if !ok {
			return fmt.Errorf("expected %s, got %d", e, got)
		}
		return nil
	}
	return fmt.Errorf("bad expectation %q", e)
}

// format prints the allocated function, for failure messages and goldens.
func (t *testFunc) format(r *Result) string {
	var sb strings.Builder
	loc := func(l Loc) string {
		if l == NoLoc {
			return "?"
		}
		if l == RematLoc {
			return "remat"
		}
		if l.IsReg() {
			return t.info.Names[l.Reg()]
		}
		return fmt.Sprintf("[s%d]", l.Slot())
	}
	ei := 0
	for b, blk := range t.f.Blocks {
		fmt.Fprintf(&sb, "b%d depth=%d succs=%v:\n", b, blk.LoopDepth, blk.Succs)
		for i := blk.First; i < blk.End; i++ {
			for ; ei < len(r.Edits) && r.Edits[ei].At == i; ei++ {
				e := r.Edits[ei]
				fmt.Fprintf(&sb, "    %s <- %s (%s)\n", loc(e.To), loc(e.From), t.names[e.V])
			}
			in := t.f.Instrs[i]
			fmt.Fprintf(&sb, "  %d:", i)
			if in.Clobbers != 0 {
				fmt.Fprintf(&sb, " clobber=%x", uint64(in.Clobbers))
			}
			for k := in.First; k < in.End; k++ {
				op := t.f.Operands[k]
				kind := map[OperandKind]string{Use: "use", Def: "def", UseDef: "usedef"}[op.Kind]
				fmt.Fprintf(&sb, " %s:%s=%s", kind, t.names[op.V], loc(r.Locs[k]))
				if op.Fixed != NoPReg {
					fmt.Fprintf(&sb, "@%s", t.info.Names[op.Fixed])
				}
				if op.Reuse >= 0 {
					fmt.Fprintf(&sb, "^%d", op.Reuse)
				}
				if op.MayStack {
					sb.WriteString("*")
				}
			}
			sb.WriteString("\n")
		}
	}
	return sb.String()
}
