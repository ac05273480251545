package lower

import (
	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/compiler/wasm"
)

type frameKind uint8

const (
	frameFunc frameKind = iota
	frameBlock
	frameLoop
	frameIf
)

// frame is an open control construct.
type frame struct {
	kind            frameKind
	params, results []ssa.Type
	height          int // operand stack height below the parameters
	// target is where branches to the frame go: the loop header, or the
	// merge block after a block or if (created by the first branch to it,
	// nil while there is none).
	target  *ssa.Block
	elseBlk *ssa.Block // if: entry of the else side
	brifBlk *ssa.Block // if: the block ending with the conditional branch
	savedAt int        // if: its parameters are saved[savedAt:]
	hasElse bool
	// entry is the block the construct starts in, which dominates all of
	// its code, and clock the write clock when it started: a local not
	// written since has the value it had at the end of entry.
	entry ssa.BlockID
	clock uint64
	// noEntry: entry does not dominate the construct's code (a loop that
	// dispatches, and the blocks opened before its dispatch), so a local's
	// value is never looked up there.
	noEntry bool
	// dispatch, for a loop whose header is a br_table on a local: see
	// dispatchLoop.
	dispatch *dispatch
	// deferSeal: the merge block is a dispatch target, sealed when the
	// dispatching loop ends rather than at this block's end.
	deferSeal bool
	// loopAt is the index of the innermost loop frame enclosing this one
	// (itself included), 0 if none: a search for a local's value cannot
	// start outside it, as later back edges may change the local there.
	loopAt int
}

// pushFrame opens a construct starting in block entry.
func (l *funcLowerer) pushFrame(fr frame, entry ssa.BlockID) {
	fr.entry, fr.clock = entry, l.clock
	if n := len(l.frames); fr.kind == frameLoop {
		fr.loopAt = n
	} else if n > 0 {
		fr.loopAt = l.frames[n-1].loopAt
	}
	l.frames = append(l.frames, fr)
}

// single holds one-element type lists for single-result block types.
var single [16][]ssa.Type

func init() {
	for t := range single {
		single[t] = []ssa.Type{ssa.Type(t)}
	}
}

// blockType returns the parameter and result types of a block type.
func (l *funcLowerer) blockType(ins *wasm.Instr) (params, results []ssa.Type, err error) {
	bt := ins.BlockType
	switch {
	case bt.IsEmpty():
		return nil, nil, nil
	case bt.IsIndex():
		if uint64(bt) >= uint64(len(l.mi.types)) {
			return nil, nil, l.errorf(ins.Offset, "block type index %d out of range", int64(bt))
		}
		si := &l.mi.types[bt]
		return si.sig.Params, si.sig.Results, nil
	}
	t := valType(bt.ValType())
	switch t {
	case ssa.TypeVoid:
		return nil, nil, l.errorf(ins.Offset, "unknown block type %d", int64(bt))
	}
	return nil, single[t], nil
}

func (l *funcLowerer) push(id ssa.ID) { l.stack = append(l.stack, id) }

func (l *funcLowerer) pop() ssa.ID {
	id := l.stack[len(l.stack)-1]
	l.stack = l.stack[:len(l.stack)-1]
	return id
}

// top returns the n values on top of the stack.
func (l *funcLowerer) top(n int) []ssa.ID { return l.stack[len(l.stack)-n:] }

func (l *funcLowerer) block(ins *wasm.Instr) error {
	params, results, err := l.blockType(ins)
	if err != nil {
		return err
	}
	l.pushFrame(frame{kind: frameBlock, params: params, results: results,
		height: len(l.stack) - len(params)}, l.cur.ID)
	return nil
}

func (l *funcLowerer) loop(ins *wasm.Instr) error {
	params, results, err := l.blockType(ins)
	if err != nil {
		return err
	}
	hdr := l.newBlock(params)
	l.blk[hdr.ID].loop = true
	l.blk[hdr.ID].loopClock = l.clock
	l.b.Jump(hdr, l.top(len(params))...)
	h := len(l.stack) - len(params)
	l.stack = append(l.stack[:h], hdr.Params...)
	l.setBlock(hdr)
	l.pushFrame(frame{kind: frameLoop, params: params, results: results, height: h, target: hdr}, hdr.ID)
	return nil
}

func (l *funcLowerer) ifInstr(ins *wasm.Instr) error {
	params, results, err := l.blockType(ins)
	if err != nil {
		return err
	}
	cond := l.pop()
	then, els := l.newBlock(nil), l.newBlock(nil)
	brif := l.cur
	l.b.BrIf(cond, then, nil, els, nil)
	l.seal(then)
	l.seal(els)
	savedAt := len(l.saved)
	l.saved = append(l.saved, l.top(len(params))...)
	l.pushFrame(frame{kind: frameIf, params: params, results: results,
		height: len(l.stack) - len(params), elseBlk: els, brifBlk: brif, savedAt: savedAt}, brif.ID)
	l.setBlock(then)
	return nil
}

// mergeTarget returns the block that branches to fr go to, creating the
// merge block of a block or if on first use.
func (l *funcLowerer) mergeTarget(fr *frame) *ssa.Block {
	if fr.target == nil {
		fr.target = l.newBlock(fr.results)
	}
	return fr.target
}

func (l *funcLowerer) elseInstr(ins *wasm.Instr) error {
	fr := &l.frames[len(l.frames)-1]
	if fr.kind != frameIf || fr.hasElse {
		return l.errorf(ins.Offset, "else without if")
	}
	if l.reachable {
		l.b.Jump(l.mergeTarget(fr), l.top(len(fr.results))...)
	}
	l.stack = append(l.stack[:fr.height], l.saved[fr.savedAt:fr.savedAt+len(fr.params)]...)
	l.saved = l.saved[:fr.savedAt]
	fr.hasElse = true
	l.setBlock(fr.elseBlk)
	l.reachable = true
	return nil
}

func (l *funcLowerer) end(ins *wasm.Instr) error {
	fr := &l.frames[len(l.frames)-1]
	switch fr.kind {
	case frameFunc:
		if l.reachable {
			l.b.Return(l.top(len(fr.results))...)
		}
		l.reachable = false
	case frameBlock:
		if fr.target != nil {
			if l.reachable {
				l.b.Jump(fr.target, l.top(len(fr.results))...)
			}
			l.enter(fr)
		}
		// Without branches to it, a block ends where its code ends.
	case frameLoop:
		l.seal(fr.target)
		if d := fr.dispatch; d != nil {
			for _, t := range d.targets {
				if !l.blk[t.ID].sealed {
					l.seal(t)
				}
			}
		}
	case frameIf:
		if !fr.hasElse {
			// The false edge goes straight to the merge, carrying the
			// parameters, which equal the results.
			merge := l.mergeTarget(fr)
			if l.reachable {
				l.b.Jump(merge, l.top(len(fr.results))...)
			}
			e := &fr.brifBlk.Succs[1]
			e.Block = merge.ID
			e.Args = l.f.CopyIDs(l.saved[fr.savedAt : fr.savedAt+len(fr.params)])
			merge.Preds = append(merge.Preds, fr.brifBlk.ID)
			fr.elseBlk.Preds = fr.elseBlk.Preds[:0]
			l.blk[fr.elseBlk.ID].dead = true
			l.ndead++
			l.saved = l.saved[:fr.savedAt]
		} else if l.reachable {
			l.b.Jump(l.mergeTarget(fr), l.top(len(fr.results))...)
		}
		if fr.target != nil {
			l.enter(fr)
		}
	}
	l.frames = l.frames[:len(l.frames)-1]
	return nil
}

// enter continues after a block or if at its merge block.
func (l *funcLowerer) enter(fr *frame) {
	if !fr.deferSeal {
		l.seal(fr.target)
	}
	l.setBlock(fr.target)
	l.stack = append(l.stack[:fr.height], fr.target.Params...)
	l.reachable = true
}

// label returns the frame that a branch of the given depth targets.
func (l *funcLowerer) label(ins *wasm.Instr, depth uint32) (*frame, error) {
	if uint64(depth) >= uint64(len(l.frames)) {
		return nil, l.errorf(ins.Offset, "branch depth %d out of range", depth)
	}
	return &l.frames[len(l.frames)-1-int(depth)], nil
}

// arity is the number of values a branch to fr carries.
func (fr *frame) arity() int {
	if fr.kind == frameLoop {
		return len(fr.params)
	}
	return len(fr.results)
}

func (l *funcLowerer) br(ins *wasm.Instr) error {
	fr, err := l.label(ins, ins.Index)
	if err != nil {
		return err
	}
	args := l.top(fr.arity())
	switch {
	case fr.kind == frameFunc:
		l.b.Return(args...)
	case fr.dispatch != nil && l.threadDispatch(fr.dispatch):
	default:
		l.b.Jump(l.mergeTarget(fr), args...)
	}
	l.reachable = false
	return nil
}

func (l *funcLowerer) brIf(ins *wasm.Instr) error {
	fr, err := l.label(ins, ins.Index)
	if err != nil {
		return err
	}
	cond := l.pop()
	args := l.top(fr.arity())
	next := l.newBlock(nil)
	if fr.kind == frameFunc {
		ret := l.newBlock(nil)
		l.b.BrIf(cond, ret, nil, next, nil)
		l.seal(ret)
		l.setBlock(ret)
		l.b.Return(args...)
	} else {
		l.b.BrIf(cond, l.mergeTarget(fr), args, next, nil)
	}
	l.seal(next)
	l.setBlock(next)
	return nil
}

func (l *funcLowerer) brTable(ins *wasm.Instr) error {
	index := l.pop()
	var ret *ssa.Block
	var args []ssa.ID
	edges := l.edges[:0]
	for i, depth := range ins.Labels {
		fr, err := l.label(ins, depth)
		if err != nil {
			return err
		}
		if i == 0 {
			args = l.top(fr.arity())
		}
		var e ssa.Edge
		if fr.kind == frameFunc {
			if ret == nil {
				ret = l.newBlock(nil)
			}
			e.Block = ret.ID
		} else {
			e = ssa.Edge{Block: l.mergeTarget(fr).ID, Args: args}
		}
		edges = append(edges, e)
	}
	l.edges = edges
	if len(edges) == 0 {
		return l.errorf(ins.Offset, "br_table without labels")
	}
	l.dispatchLoop(ins, index)
	l.b.BrTable(index, edges[:len(edges)-1], edges[len(edges)-1])
	if ret != nil {
		l.seal(ret)
		l.setBlock(ret)
		l.b.Return(args...)
	}
	l.reachable = false
	return nil
}

func (l *funcLowerer) returnInstr() {
	l.b.Return(l.top(len(l.frames[0].results))...)
	l.reachable = false
}
