package regalloc

import "fmt"

// Check verifies an allocation independently of how it was computed. It
// simulates which virtual register's value every register and stack slot
// holds, through the inserted copies and the instructions, with a forward
// dataflow over the control flow graph (a location keeps a value at a
// block entry only if every predecessor agrees), and reports the first
// operand that does not find its value where the allocation says, or that
// breaks a constraint.
func Check(f *Func, info *RegInfo, r *Result) error {
	if len(r.Locs) != len(f.Operands) {
		return fmt.Errorf("check: %d locations for %d operands", len(r.Locs), len(f.Operands))
	}
	if r.Dropped != nil && (len(r.Dropped) != len(f.Instrs) || len(r.Joined) != len(f.VRegClass)) {
		return fmt.Errorf("check: %d dropped marks for %d instructions, %d joined for %d values", len(r.Dropped), len(f.Instrs), len(r.Joined), len(f.VRegClass))
	}
	// name is the value a location holding v is said to hold.
	name := func(v VReg) int32 {
		if r.Joined != nil {
			if int(v) >= len(r.Joined) || int(r.Joined[v]) >= len(r.Joined) || r.Joined[r.Joined[v]] != r.Joined[v] {
				return int32(-3) // matches nothing
			}
			v = r.Joined[v]
		}
		return int32(v)
	}
	for k := 1; k < len(r.Edits); k++ {
		if r.Edits[k].At < r.Edits[k-1].At {
			return fmt.Errorf("check: edits out of order at %d", k)
		}
	}
	var allocatable [NumClasses]RegSet
	for c := range NumClasses {
		for _, reg := range info.Order[c] {
			allocatable[c] = allocatable[c].With(reg)
		}
	}
	nloc := 64 + len(r.SlotOffset)
	index := func(l Loc) int {
		if l.IsReg() {
			return int(l)
		}
		return 64 + int(l.Slot())
	}
	const (
		top  = -2 // not reached yet
		none = -1 // unknown value
	)
	nb := len(f.Blocks)
	entry := make([]int32, nb*nloc)
	for i := range entry {
		entry[i] = top
	}
	for i := range nloc {
		entry[i] = none
	}
	preds := make([][]int, nb)
	for b, blk := range f.Blocks {
		for _, s := range blk.Succs {
			preds[s] = append(preds[s], b)
		}
	}
	reach := make([]bool, nb)
	work := []int{0}
	reach[0] = true
	for len(work) > 0 {
		b := work[len(work)-1]
		work = work[:len(work)-1]
		for _, s := range f.Blocks[b].Succs {
			if !reach[s] {
				reach[s] = true
				work = append(work, int(s))
			}
		}
	}
	exit := make([]int32, nb*nloc)
	for i := range exit {
		exit[i] = top
	}
	// Edit lookup: first edit at or after each instruction.
	edit := make([]int, len(f.Instrs)+1)
	for i, k := 0, 0; i <= len(f.Instrs); i++ {
		for k < len(r.Edits) && int(r.Edits[k].At) < i {
			k++
		}
		edit[i] = k
	}
	for _, e := range r.Edits {
		if int(e.At) >= len(f.Instrs) || e.At < 0 {
			return fmt.Errorf("check: edit at %d out of range", e.At)
		}
		from := e.From
		if from == RematLoc {
			if e.Def < 0 || int(e.Def) >= len(f.Instrs) || !rematDefines(f, &f.Instrs[e.Def], name(e.V), name) || !e.To.IsReg() {
				return fmt.Errorf("check: edit before instr %d: rematerializes v%d by instr %d, which does not define it alone", e.At, e.V, e.Def)
			}
			from = e.To
		}
		for _, l := range [2]Loc{from, e.To} {
			if l == NoLoc || (l.IsReg() && !allocatable[e.Class].Has(l.Reg())) || (l.IsSlot() && int(l.Slot()) >= len(r.SlotOffset)) {
				return fmt.Errorf("check: edit before instr %d: bad location %v for %s", e.At, l, e.Class)
			}
		}
	}
	state := make([]int32, nloc)
	run := func(b int, final bool) error {
		blk := &f.Blocks[b]
		copy(state, entry[b*nloc:(b+1)*nloc])
		for i := blk.First; i < blk.End; i++ {
			for _, e := range r.Edits[edit[i]:edit[i+1]] {
				if e.From == RematLoc {
					state[index(e.To)] = name(e.V)
					continue
				}
				if got := state[index(e.From)]; final && got != name(e.V) {
					return fmt.Errorf("check: copy before instr %d reads v%d from %v, which holds %s", i, e.V, e.From, valName(got))
				}
				state[index(e.To)] = state[index(e.From)]
			}
			in := &f.Instrs[i]
			ops := f.Operands[in.First:in.End]
			locs := r.Locs[in.First:in.End]
			// A dropped copy reads and writes one location, which may
			// be a slot.
			drop := r.Dropped != nil && r.Dropped[i]
			if drop && (!in.Move || len(locs) != 2 || locs[0] != locs[1]) {
				return fmt.Errorf("check: instr %d: dropped, but not a copy within one location", i)
			}
			for k, op := range ops {
				l := locs[k]
				c := f.VRegClass[op.V]
				switch {
				case l == NoLoc:
					return fmt.Errorf("check: instr %d operand %d has no location", i, k)
				case l.IsReg() && !allocatable[c].Has(l.Reg()):
					return fmt.Errorf("check: instr %d: v%d in non-%s register %v", i, op.V, c, l)
				case l.IsSlot() && (!drop && (op.Kind != Use || !op.MayStack) || int(l.Slot()) >= len(r.SlotOffset)):
					return fmt.Errorf("check: instr %d: v%d may not be in %v", i, op.V, l)
				case op.Fixed != NoPReg && l != RegLoc(op.Fixed):
					return fmt.Errorf("check: instr %d: v%d in %v, want fixed %v", i, op.V, l, RegLoc(op.Fixed))
				case op.Reuse >= 0 && l != locs[op.Reuse]:
					return fmt.Errorf("check: instr %d: v%d in %v, must reuse %v", i, op.V, l, locs[op.Reuse])
				}
				if op.Kind != Use {
					for k2, l2 := range locs {
						if k2 != k && l2 == l && ops[k2].Kind != Use {
							return fmt.Errorf("check: instr %d: two results in %v", i, l)
						}
					}
				}
				if final && op.Kind != Def {
					if got := state[index(l)]; got != name(op.V) {
						return fmt.Errorf("check: instr %d reads v%d from %v, which holds %s", i, op.V, l, valName(got))
					}
				}
			}
			for reg := range 64 {
				if in.Clobbers.Has(PReg(reg)) {
					state[reg] = none
				}
			}
			for k, op := range ops {
				if op.Kind != Use {
					state[index(locs[k])] = name(op.V)
				}
			}
		}
		copy(exit[b*nloc:(b+1)*nloc], state)
		return nil
	}
	for changed := true; changed; {
		changed = false
		for b := range nb {
			if !reach[b] {
				continue
			}
			if b > 0 {
				in := entry[b*nloc : (b+1)*nloc]
				for l := range nloc {
					v := int32(top)
					for _, p := range preds[b] {
						x := exit[p*nloc+l]
						switch {
						case x == top:
						case v == top:
							v = x
						case v != x:
							v = none
						}
					}
					if v != in[l] {
						in[l] = v
						changed = true
					}
				}
			}
			if err := run(b, false); err != nil {
				return err
			}
		}
	}
	for b := range nb {
		if !reach[b] {
			continue
		}
		if err := run(b, true); err != nil {
			return err
		}
	}
	return nil
}

func valName(v int32) string {
	switch v {
	case -2:
		return "nothing (unreachable)"
	case -1:
		return "no known value"
	}
	return fmt.Sprintf("v%d", v)
}

// rematDefines reports whether in is a rematerializable instruction
// defining the value named v alone.
func rematDefines(f *Func, in *Instr, v int32, name func(VReg) int32) bool {
	if !in.Remat || in.End-in.First != 1 || in.First < 0 || int(in.End) > len(f.Operands) {
		return false
	}
	op := &f.Operands[in.First]
	return op.Kind == Def && op.Fixed == NoPReg && name(op.V) == v
}
