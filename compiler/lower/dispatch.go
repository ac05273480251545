package lower

import (
	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// Go's wasm code runs each function as one loop around a br_table on its
// first parameter, the resume point:
//
//	loop
//	  block ... block            ;; one per case
//	    local.get $pc
//	    br_table 0 1 2 ...
//	  end  ;; case 0 ...
//	  end  ;; case 1 ...
//	  ...
//	  i32.const 7  local.set $pc  br $loop   ;; go to case 7
//
// Every jump between its basic blocks sets the local to a constant and
// branches back to the loop, which costs a poll, a bounds check and an
// indirect jump, and makes every local loop-carried through one header.
// Such a branch is threaded here: it jumps straight to the case the
// constant selects. The cases then have predecessors that bypass the
// loop header, so
//
//   - their blocks are sealed only when the loop ends (every threaded
//     branch to them is known by then), and count as loop headers for the
//     construction (they may be on cycles that pass no other header);
//   - the loop and the blocks opened before its br_table no longer
//     dominate their code: a local's value is never looked up at their
//     entry.
//
// The control flow this makes may be irreducible (a case on a cycle can
// also be entered from the dispatch); the passes after lowering handle
// that.
type dispatch struct {
	local   uint32
	targets []*ssa.Block // per br_table index; the last is the default
}

// dispatchLoop records, when the br_table about to end the current block
// is such a dispatch, which case each index selects.
func (l *funcLowerer) dispatchLoop(ins *wasm.Instr, index ssa.ID) {
	n := len(l.frames)
	lp := -1
	for i := n - 1; i >= 1; i-- {
		fr := &l.frames[i]
		if fr.entry != l.cur.ID {
			return // the header holds more than the dispatch
		}
		if fr.kind == frameLoop {
			lp = i
			break
		}
		if fr.kind != frameBlock {
			return
		}
	}
	if lp < 0 || l.frames[lp].target != l.cur || len(l.cur.Instrs) != 0 || l.frames[lp].dispatch != nil {
		return
	}
	// The index must be a local's value at the loop header: one of its
	// incomplete parameters.
	local := -1
	for k := l.blk[l.cur.ID].incomplete; k >= 0; k = l.inc[k].next {
		if l.cur.Params[l.inc[k].idx] == index {
			local = int(l.inc[k].v)
			break
		}
	}
	// Only a resume point passed in as a parameter, as Go's wasm ABI does.
	// LLVM turns irreducible control flow into the same shape with a
	// local of its own; threading that would bring the irreducible loops
	// back, which the register allocator handles badly (bzip2's
	// decompressor gets 40% slower).
	if local < 0 || local >= len(l.f.Sig.Params) || l.localTypes[local] != ssa.TypeI32 {
		return
	}
	// Every label: a block opened in the header, carrying nothing.
	d := &dispatch{local: uint32(local), targets: make([]*ssa.Block, len(ins.Labels))}
	for i, depth := range ins.Labels {
		if int(depth) >= n-1-lp {
			return
		}
		fr := &l.frames[n-1-int(depth)]
		if fr.kind != frameBlock || len(fr.results) != 0 || len(fr.params) != 0 {
			return
		}
		d.targets[i] = l.mergeTarget(fr)
	}
	for i := lp; i < n; i++ {
		l.frames[i].noEntry = true
	}
	for _, depth := range ins.Labels {
		l.frames[n-1-int(depth)].deferSeal = true
	}
	for _, t := range d.targets {
		st := &l.blk[t.ID]
		st.loop, st.loopClock = true, 0
	}
	l.frames[lp].dispatch = d
}

// threadDispatch ends the current block with a jump to the case of d that
// the dispatch local's current value selects, if that value is a constant,
// and reports whether it did.
func (l *funcLowerer) threadDispatch(d *dispatch) bool {
	v := l.f.Value(l.readVar(d.local, l.cur.ID))
	if v.Op != ssa.OpI32Const {
		return false
	}
	k := uint32(v.Aux)
	if n := uint32(len(d.targets) - 1); k > n {
		k = n
	}
	l.b.Jump(d.targets[k])
	l.f.Threaded = true
	return true
}
