package lower

import (
	"errors"
	"fmt"
	"io"

	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// allFeatures lets the reader decode everything: the module was validated
// with its own feature set, and lowering reports what it does not support.
const allFeatures = ^wasm.Features(0)

// funcLowerer holds the state of lowering one function; its slices are
// scratch space reused by the next function.
type funcLowerer struct {
	mi        *moduleInfo
	reuse     bool // reset the previous Func for the next one
	funcIndex uint32
	f         *ssa.Func
	b         *ssa.Builder
	cur       *ssa.Block
	r         wasm.Reader
	ins       wasm.Instr

	localTypes []ssa.Type

	// Definitions of locals at the current point: curStamp[v] is the
	// serial of the block that wrote curVal[v], valid from chainStart on,
	// the serial of chainHead. A block whose only predecessor is the block
	// left just before it continues that block's chain, so straight-line
	// code split by br_if keeps its locals in this array. dirty lists the
	// locals written in the current block.
	curVal     []ssa.ID
	curStamp   []uint32
	serial     uint32
	chainStart uint32
	chainHead  ssa.BlockID
	dirty      []uint32
	defs       defTable
	// written[v] is the value of clock at the last local.set or local.tee
	// of v; clock counts them and never goes back, so the table needs no
	// clearing between functions.
	written []uint64
	clock   uint64

	blk   []blockState
	inc   []incompleteParam
	order []*ssa.Block // blocks in the order they were entered: the layout
	ndead int

	zero  [16]ssa.ID // zero value per type, +1; 0 if not made yet
	zeros []ssa.ID

	stack     []ssa.ID
	frames    []frame
	saved     []ssa.ID // parameters of open ifs, for their else side
	reachable bool
	skip      int // depth of blocks opened in unreachable code

	sigOf    []int32 // Func.Sigs index per wasm type index, +1
	args     []ssa.ID
	edges    []ssa.Edge
	inEdges  []*ssa.Edge
	alias    []ssa.ID // +1
	nalias   int
	markTick uint32

	// steps counts the work of the SSA construction for locals (blocks
	// searched, edges filled), for tests of its growth.
	steps int
}

func (l *funcLowerer) errorf(off int, format string, args ...any) error {
	return &Error{FuncIndex: l.funcIndex, Offset: off,
		Msg: fmt.Sprintf("function %d, offset %#x: ", l.funcIndex, off) + fmt.Sprintf(format, args...)}
}

func (l *funcLowerer) notSupported(off int, format string, args ...any) error {
	return &Error{FuncIndex: l.funcIndex, Offset: off, NotSupported: true,
		Msg: "not supported: " + fmt.Sprintf(format, args...)}
}

func (l *funcLowerer) lower(funcIndex uint32) (*ssa.Func, error) {
	m := l.mi.m
	l.funcIndex = funcIndex
	nimp := uint32(m.NumImportedFuncs())
	if funcIndex < nimp || uint64(funcIndex-nimp) >= uint64(len(m.Code)) || uint64(funcIndex-nimp) >= uint64(len(m.Functions)) {
		return nil, &Error{FuncIndex: funcIndex, Msg: fmt.Sprintf("function %d: no body to lower", funcIndex)}
	}
	code := &m.Code[funcIndex-nimp]
	ti := m.Functions[funcIndex-nimp]
	if uint64(ti) >= uint64(len(l.mi.types)) {
		return nil, l.errorf(code.Offset, "type index %d out of range", ti)
	}
	si := &l.mi.types[ti]
	if err := l.setLocals(code, si); err != nil {
		return nil, err
	}
	name := m.FuncName(funcIndex)
	if name == "" {
		name = fmt.Sprintf("wasm_func_%d", funcIndex)
	}
	sig := ssa.Signature{Params: si.sig.Params, Results: si.sig.Results}
	if l.reuse && l.f != nil {
		l.f.Reset(name, sig)
		l.reset(l.f)
	} else {
		l.reset(ssa.NewFunc(name, sig))
	}

	entry := l.newBlock(si.sig.Params)
	l.blk[entry.ID].sealed = true
	l.setBlock(entry)
	for i, p := range entry.Params {
		l.writeVar(uint32(i), entry.ID, p)
	}
	l.pushFrame(frame{kind: frameFunc, results: si.sig.Results}, entry.ID)

	l.r.Reset(code.Body, code.Start, allFeatures)
	if err := l.body(); err != nil {
		return nil, err
	}
	l.finish()
	return l.f, nil
}

// setLocals expands the local declarations, parameters first.
func (l *funcLowerer) setLocals(code *wasm.Code, si *sigInfo) error {
	n := uint64(len(si.sig.Params)) + code.NumLocals
	if n > maxLocals {
		return l.notSupported(code.Offset, "function %d has %d locals (limit %d)", l.funcIndex, n, maxLocals)
	}
	ts := append(l.localTypes[:0], si.sig.Params...)
	for _, g := range code.Locals {
		t := valType(g.Type)
		if t == ssa.TypeVoid {
			return l.errorf(code.Offset, "unknown local type %#x", byte(g.Type))
		}
		for range g.Count {
			ts = append(ts, t)
		}
	}
	l.localTypes = ts
	if len(l.curVal) < len(ts) {
		l.curVal = make([]ssa.ID, len(ts))
		l.curStamp = make([]uint32, len(ts))
		l.written = make([]uint64, len(ts))
		l.serial = 0
	}
	l.clock++ // earlier functions' writes are now in the past
	return nil
}

func (l *funcLowerer) reset(f *ssa.Func) {
	l.f = f
	if l.b == nil {
		l.b = ssa.NewBuilder(f)
	} else {
		l.b.Reset(f)
	}
	l.cur = nil
	l.defs.reset(len(l.localTypes))
	l.blk = l.blk[:0]
	l.inc = l.inc[:0]
	l.order = l.order[:0]
	l.ndead = 0
	l.zero = [16]ssa.ID{}
	l.zeros = l.zeros[:0]
	l.stack = l.stack[:0]
	l.frames = l.frames[:0]
	l.saved = l.saved[:0]
	l.reachable = true
	l.skip = 0
	l.dirty = l.dirty[:0]
	clear(l.sigOf)
	l.nalias = 0
	l.steps = 0
}

// newBlock creates a block with parameters of the given types. It is
// unsealed and not yet entered.
func (l *funcLowerer) newBlock(params []ssa.Type) *ssa.Block {
	blk := l.f.NewBlock()
	for _, t := range params {
		l.f.AddParam(blk, t)
	}
	l.blk = append(l.blk, blockState{incomplete: -1})
	return blk
}

// setBlock makes blk the current block, moving the current block's local
// definitions to the table of finished blocks.
func (l *funcLowerer) setBlock(blk *ssa.Block) {
	inherit := false
	if l.cur != nil {
		for _, v := range l.dirty {
			l.putDef(l.cur.ID, v, l.curVal[v])
		}
		inherit = l.blk[blk.ID].sealed && len(blk.Preds) == 1 && blk.Preds[0] == l.cur.ID
	}
	l.dirty = l.dirty[:0]
	l.serial++
	if l.serial == 0 {
		clear(l.curStamp)
		l.serial = 1
		inherit = false
	}
	if !inherit {
		l.chainStart, l.chainHead = l.serial, blk.ID
	}
	l.cur = blk
	l.b.SetBlock(blk)
	l.order = append(l.order, blk)
}

// body lowers the instructions up to the function's final end.
func (l *funcLowerer) body() error {
	ins := &l.ins
	for len(l.frames) > 0 {
		if err := l.r.Next(ins); err != nil {
			if errors.Is(err, io.EOF) {
				return l.errorf(l.r.Offset(), "unexpected end of function body")
			}
			e := &Error{FuncIndex: l.funcIndex, Msg: err.Error()}
			var we *wasm.Error
			if errors.As(err, &we) {
				e.Offset = we.Offset
			}
			return e
		}
		switch {
		case ins.Op == wasm.OpReturnCall || ins.Op == wasm.OpReturnCallIndirect:
			return l.notSupported(ins.Offset, "tail calls (%s) in function %d", ins.Info.Name, l.funcIndex)
		}
		if !l.reachable {
			if err := l.skipInstr(ins); err != nil {
				return err
			}
			continue
		}
		l.b.SetPos(int32(ins.Offset))
		if err := l.instr(ins); err != nil {
			return err
		}
	}
	if l.r.Remaining() != 0 {
		return l.errorf(l.r.Offset(), "instructions after the end of the function")
	}
	return nil
}

// skipInstr follows the block structure of unreachable code, which
// produces no SSA, until the end or else that makes code reachable again.
func (l *funcLowerer) skipInstr(ins *wasm.Instr) error {
	switch ins.Op {
	case wasm.OpBlock, wasm.OpLoop, wasm.OpIf:
		if _, _, err := l.blockType(ins); err != nil {
			return err
		}
		l.skip++
	case wasm.OpElse:
		if l.skip == 0 {
			return l.elseInstr(ins)
		}
	case wasm.OpEnd:
		if l.skip > 0 {
			l.skip--
			return nil
		}
		return l.end(ins)
	}
	return nil
}
