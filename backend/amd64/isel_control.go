package amd64

import (
	"fmt"

	"github.com/wasiaot/wasiaot/compiler/ssa"
)

// layout orders the machine blocks (SSA reverse postorder, each SSA
// block's extra blocks after it, cold blocks last), splits critical edges
// and renumbers the jump targets.
func (s *isel) layout() {
	order := s.order[:0]
	defer func() { s.order = order[:0] }()
	for _, l := range s.lists {
		order = append(order, l...)
	}
	order = append(order, s.cold...)
	// Split critical edges: a jcc target with several predecessors gets
	// a block of its own, placed at the end.
	preds := make([]int32, len(s.blocks))
	for _, b := range order {
		for _, t := range s.succs(s.blocks[b]) {
			preds[t]++
		}
	}
	for _, b := range order {
		blk := s.blocks[b]
		last := &blk.Instrs[len(blk.Instrs)-1]
		if last.Op == OpJmpTab {
			// One edge block per distinct target with other predecessors.
			if s.splitAt == nil {
				s.splitAt = map[int32]int32{}
			}
			split := s.splitAt
			clear(split)
			for k, t := range s.out.Targets(last.Table) {
				if e, ok := split[t]; ok {
					s.out.Targets(last.Table)[k] = e
					continue
				}
				e := t
				if preds[t] > 1 {
					e = s.newBlock(blk.LoopDepth)
					s.blocks[e].Instrs = append(s.take(1), Instr{Op: OpJmp, Target: [2]int32{t}, Func: -1, Dst2: NoReg})
					order = append(order, e)
				}
				split[t] = e
				s.out.Targets(last.Table)[k] = e
			}
			continue
		}
		if last.Op != OpJcc {
			continue
		}
		for k := 0; k < 2; k++ {
			t := last.Target[k]
			if preds[t] > 1 || (k == 1 && last.Target[0] == t) {
				e := s.newBlock(blk.LoopDepth)
				s.blocks[e].Instrs = append(s.take(1), Instr{Op: OpJmp, Target: [2]int32{t}, Func: -1, Dst2: NoReg})
				order = append(order, e)
				last.Target[k] = e
			}
		}
	}
	index := make([]int32, len(s.blocks))
	for i, b := range order {
		index[b] = int32(i)
	}
	s.out.Blocks = make([]*Block, len(order))
	for i, b := range order {
		blk := s.blocks[b]
		last := &blk.Instrs[len(blk.Instrs)-1]
		switch last.Op {
		case OpJmp:
			last.Target[0] = index[last.Target[0]]
		case OpJcc:
			last.Target[0], last.Target[1] = index[last.Target[0]], index[last.Target[1]]
		case OpJmpTab:
			for k, t := range s.out.Targets(last.Table) {
				s.out.Targets(last.Table)[k] = index[t]
			}
		}
		s.out.Blocks[i] = blk
	}
}

func (s *isel) succs(b *Block) []int32 {
	last := &b.Instrs[len(b.Instrs)-1]
	switch last.Op {
	case OpJmp:
		return last.Target[:1]
	case OpJcc:
		return last.Target[:2]
	case OpJmpTab:
		return s.out.Targets(last.Table)
	}
	return nil
}

// brTable selects br_table as a bounds check and a binary search over the
// case values.
func (s *isel) brTable(b *ssa.Block) {
	n := len(b.Succs) - 1
	targets := make([]int32, n+1)
	// Edges to the same block with the same arguments share a target.
	// Most carry no arguments and are keyed by their block alone.
	seen := map[ssa.BlockID]int32{}
	var seenArgs map[string]int32
	for i, e := range b.Succs {
		if len(e.Args) == 0 {
			t, ok := seen[e.Block]
			if !ok {
				t = s.edgeTarget(e)
				seen[e.Block] = t
			}
			targets[i] = t
			continue
		}
		if seenArgs == nil {
			seenArgs = map[string]int32{}
		}
		key := fmt.Sprint(e.Block, e.Args)
		if t, ok := seenArgs[key]; ok {
			targets[i] = t
			continue
		}
		targets[i] = s.edgeTarget(e)
		seenArgs[key] = targets[i]
	}
	if c, ok := s.constOf(b.Controls[0]); ok {
		i := uint32(c)
		if int64(i) >= int64(n) {
			i = uint32(n)
		}
		s.jmp(targets[i])
		return
	}
	same := true
	for _, t := range targets[1:] {
		same = same && t == targets[0]
	}
	if same {
		s.jmp(targets[0])
		return
	}
	idx := s.use(b.Controls[0])
	s.emit(Instr{Op: OpCmp, Size: 4, Src: [3]Operand{R(idx), Imm(int64(n))}})
	s.branch(CondAE, targets[n])
	if n >= jumpTableMin && len(distinct(targets[:n])) > 1 {
		table := s.out.AddConst(make([]byte, 8*n), 8)
		s.emit(Instr{Op: OpJmpTab, Src: [3]Operand{R(idx), table}, Table: s.out.TargetList(targets[:n])})
		return
	}
	if len(distinct(targets[:n])) == 1 {
		s.jmp(targets[0])
		return
	}
	s.search(idx, targets, 0, n)
}

// jumpTableMin is the smallest br_table that gets a jump table rather
// than a binary search.
const jumpTableMin = 8

func (s *isel) search(idx Reg, targets []int32, lo, hi int) {
	if hi-lo > 4 {
		mid := (lo + hi) / 2
		lower, upper := s.inline(), s.inline()
		s.emit(Instr{Op: OpCmp, Size: 4, Src: [3]Operand{R(idx), Imm(int64(mid))}})
		s.jcc(CondB, lower, upper)
		s.switchTo(lower)
		s.search(idx, targets, lo, mid)
		s.switchTo(upper)
		s.search(idx, targets, mid, hi)
		return
	}
	for k := lo; k < hi-1; k++ {
		s.emit(Instr{Op: OpCmp, Size: 4, Src: [3]Operand{R(idx), Imm(int64(k))}})
		s.branch(CondE, targets[k])
	}
	s.jmp(targets[hi-1])
}
