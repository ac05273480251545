package validate

import (
	"fmt"
	"io"
	"sort"

	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// unknown is the bottom type produced by popping a polymorphic stack.
const unknown wasm.ValType = 0

// maxExpandedLocals bounds the per-function local type table; functions
// declaring more locals are looked up through their groups.
const maxExpandedLocals = 1 << 16

// single holds a one-element type list per value type, so single-result
// block types need no allocation.
var single [256][]wasm.ValType

func init() {
	for i := range single {
		single[i] = []wasm.ValType{wasm.ValType(i)}
	}
}

// funcFrame marks the outermost frame, whose results are the function's.
const funcFrame wasm.BlockType = -1 << 40

// ctrlFrame is a control stack entry. It holds no pointers, so pushing and
// popping frames needs no write barriers.
type ctrlFrame struct {
	op          wasm.Opcode
	bt          wasm.BlockType // funcFrame for the function body
	height      int
	unreachable bool
}

// types returns the parameter and result types of a validated block type.
func (v *funcValidator) types(bt wasm.BlockType) (start, end []wasm.ValType) {
	switch {
	case bt == funcFrame:
		return nil, v.ft.Results
	case bt.IsEmpty():
		return nil, nil
	case bt.IsIndex():
		t := &v.m.Types[bt]
		return t.Params, t.Results
	}
	return nil, single[bt.ValType()]
}

func (v *funcValidator) startTypes(c *ctrlFrame) []wasm.ValType {
	s, _ := v.types(c.bt)
	return s
}

func (v *funcValidator) endTypes(c *ctrlFrame) []wasm.ValType {
	_, e := v.types(c.bt)
	return e
}

func (v *funcValidator) labelTypes(c *ctrlFrame) []wasm.ValType {
	s, e := v.types(c.bt)
	if c.op == wasm.OpLoop {
		return s
	}
	return e
}

// funcValidator checks function bodies one after another, reusing its stacks.
type funcValidator struct {
	m        *wasm.Module
	f        wasm.Features
	declared []bool
	numFuncs uint32
	numGlob  uint32

	r   wasm.Reader
	ins wasm.Instr

	funcIndex uint32
	ft        *wasm.FuncType
	vals      []wasm.ValType
	ctrls     []ctrlFrame
	scratch   []wasm.ValType
	info      FuncInfo

	locals     []wasm.ValType // expanded local types, params first
	expanded   bool
	localEnds  []uint64 // cumulative local counts per group when not expanded
	localTypes []wasm.ValType
	numLocals  uint64
}

func newFuncValidator(m *wasm.Module, f wasm.Features, declared []bool) *funcValidator {
	return &funcValidator{
		m: m, f: f, declared: declared,
		numFuncs: uint32(m.NumFuncs()), numGlob: uint32(m.NumGlobals()),
	}
}

func (v *funcValidator) errf(off int, format string, args ...any) error {
	return &wasm.Error{Section: "code", FuncIndex: int(v.funcIndex), Offset: off, Msg: fmt.Sprintf(format, args...)}
}

func (v *funcValidator) setLocals(code *wasm.Code) {
	nParams := uint64(len(v.ft.Params))
	v.numLocals = nParams + code.NumLocals
	v.expanded = v.numLocals <= maxExpandedLocals
	if v.expanded {
		v.locals = append(v.locals[:0], v.ft.Params...)
		for _, g := range code.Locals {
			for j := uint32(0); j < g.Count; j++ {
				v.locals = append(v.locals, g.Type)
			}
		}
		return
	}
	v.localEnds = v.localEnds[:0]
	v.localTypes = v.localTypes[:0]
	n := uint64(0)
	for _, p := range v.ft.Params {
		n++
		v.localEnds = append(v.localEnds, n)
		v.localTypes = append(v.localTypes, p)
	}
	for _, g := range code.Locals {
		n += uint64(g.Count)
		v.localEnds = append(v.localEnds, n)
		v.localTypes = append(v.localTypes, g.Type)
	}
}

func (v *funcValidator) local(idx uint32) (wasm.ValType, bool) {
	if v.expanded {
		if int(idx) < len(v.locals) {
			return v.locals[idx], true
		}
		return 0, false
	}
	if uint64(idx) >= v.numLocals {
		return 0, false
	}
	i := sort.Search(len(v.localEnds), func(i int) bool { return v.localEnds[i] > uint64(idx) })
	return v.localTypes[i], true
}

func (v *funcValidator) push(t wasm.ValType) {
	v.vals = append(v.vals, t)
	if len(v.vals) > v.info.MaxStack {
		v.info.MaxStack = len(v.vals)
	}
}

func (v *funcValidator) pushAll(ts []wasm.ValType) {
	for _, t := range ts {
		v.push(t)
	}
}

// popAny pops one operand of any type.
func (v *funcValidator) popAny() (wasm.ValType, error) {
	c := &v.ctrls[len(v.ctrls)-1]
	if len(v.vals) == c.height {
		if c.unreachable {
			return unknown, nil
		}
		return 0, v.errf(v.ins.Offset, "type mismatch: %s expects an operand but the stack is empty", v.ins.Op)
	}
	t := v.vals[len(v.vals)-1]
	v.vals = v.vals[:len(v.vals)-1]
	return t, nil
}

// pop pops one operand that must have type want.
func (v *funcValidator) pop(want wasm.ValType) (wasm.ValType, error) {
	n := len(v.vals)
	if n > v.ctrls[len(v.ctrls)-1].height {
		t := v.vals[n-1]
		if t == want || t == unknown {
			v.vals = v.vals[:n-1]
			return t, nil
		}
	}
	t, err := v.popAny()
	if err != nil {
		return 0, err
	}
	if t != want && t != unknown {
		return 0, v.errf(v.ins.Offset, "type mismatch: %s expects %s, got %s", v.ins.Op, want, t)
	}
	return t, nil
}

func (v *funcValidator) popAll(ts []wasm.ValType) error {
	for i := len(ts) - 1; i >= 0; i-- {
		if _, err := v.pop(ts[i]); err != nil {
			return err
		}
	}
	return nil
}

func (v *funcValidator) pushCtrl(op wasm.Opcode, bt wasm.BlockType) {
	v.ctrls = append(v.ctrls, ctrlFrame{op: op, bt: bt, height: len(v.vals)})
	if len(v.ctrls) > v.info.MaxControl {
		v.info.MaxControl = len(v.ctrls)
	}
	v.pushAll(v.startTypes(&v.ctrls[len(v.ctrls)-1]))
}

func (v *funcValidator) popCtrl() (ctrlFrame, error) {
	c := v.ctrls[len(v.ctrls)-1]
	if err := v.popAll(v.endTypes(&c)); err != nil {
		return c, err
	}
	if len(v.vals) != c.height {
		return c, v.errf(v.ins.Offset, "type mismatch: %d values remain at the end of the block", len(v.vals)-c.height)
	}
	v.ctrls = v.ctrls[:len(v.ctrls)-1]
	return c, nil
}

func (v *funcValidator) setUnreachable() {
	c := &v.ctrls[len(v.ctrls)-1]
	v.vals = v.vals[:c.height]
	c.unreachable = true
}

func (v *funcValidator) blockType(bt wasm.BlockType) error {
	if bt.IsIndex() && int64(bt) >= int64(len(v.m.Types)) {
		return v.errf(v.ins.Offset, "unknown type %d", int64(bt))
	}
	return nil
}

func (v *funcValidator) label(l uint32) (*ctrlFrame, error) {
	if uint64(l) >= uint64(len(v.ctrls)) {
		return nil, v.errf(v.ins.Offset, "unknown label %d", l)
	}
	return &v.ctrls[len(v.ctrls)-1-int(l)], nil
}

func (v *funcValidator) validate(funcIndex uint32, code *wasm.Code) (FuncInfo, error) {
	v.funcIndex = funcIndex
	v.ft, _ = v.m.FuncType(funcIndex)
	v.info = FuncInfo{}
	v.setLocals(code)
	v.vals = v.vals[:0]
	v.ctrls = v.ctrls[:0]
	v.r.Reset(code.Body, code.Start, v.f)
	v.pushCtrl(wasm.OpBlock, funcFrame)
	for len(v.ctrls) > 0 {
		err := v.r.Next(&v.ins)
		if err == io.EOF {
			return v.info, v.errf(v.r.Offset(), "unexpected end of section or function")
		}
		if err != nil {
			if e, ok := err.(*wasm.Error); ok {
				e.Section, e.FuncIndex = "code", int(funcIndex)
			}
			return v.info, err
		}
		if err := v.instr(&v.ins); err != nil {
			return v.info, err
		}
	}
	if v.r.Remaining() != 0 {
		return v.info, v.errf(v.r.Offset(), "section size mismatch: operators after the end of the function")
	}
	return v.info, nil
}
