package lower_test

import (
	"errors"
	"fmt"
	"math"

	"github.com/wasiaot/wasiaot/compiler/lower"
	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/runtime/trap"
)

// A small interpreter of lowered SSA, used to check that lowering keeps
// wasm's semantics on the spec suite's assertions. It runs one module
// without imports: values are bit patterns in uint64, references are
// function index + 1 (0 is null).

var errUnsupported = errors.New("not supported by the test interpreter")

// trapError is a wasm trap.
type trapError struct{ kind trap.Kind }

func (e *trapError) Error() string { return "trap: " + e.kind.String() }

func raise(k trap.Kind) error { return &trapError{k} }

type instance struct {
	m        *wasm.Module
	l        *lower.Lowerer
	funcs    []*ssa.Func // by defined-function number, lowered on first call
	globals  []uint64
	globalHi []uint64 // high halves of v128 globals
	mem      []byte
	maxMem   uint64
	tables   [][]uint64
	dataGone []bool
	elemGone []bool
	depth    int
	constHi  uint64 // the high half of the last v128 constExpr
}

const pageSize = 65536

// instantiate prepares a module without imports; modules that need more
// than the interpreter offers yield errUnsupported.
func instantiate(m *wasm.Module) (*instance, error) {
	if len(m.Imports) > 0 || m.NumMemories() > 1 {
		return nil, errUnsupported
	}
	x := &instance{m: m, l: lower.NewLowerer(m, lower.Options{KeepFuncs: true}), funcs: make([]*ssa.Func, len(m.Functions)),
		dataGone: make([]bool, len(m.Data)), elemGone: make([]bool, len(m.Elements))}
	for _, g := range m.Globals {
		v, err := x.constExpr(g.Init)
		if err != nil {
			return nil, err
		}
		x.globals = append(x.globals, v)
		x.globalHi = append(x.globalHi, x.constHi)
	}
	if len(m.Memories) == 1 {
		lim := m.Memories[0].Limits
		x.mem = make([]byte, uint64(lim.Min)*pageSize)
		x.maxMem = 65536
		if lim.HasMax {
			x.maxMem = uint64(lim.Max)
		}
	}
	for _, t := range m.Tables {
		x.tables = append(x.tables, make([]uint64, t.Limits.Min))
	}
	for i, e := range m.Elements {
		if e.UsesExprs {
			return nil, errUnsupported
		}
		if e.Mode != wasm.SegmentActive {
			x.elemGone[i] = e.Mode == wasm.SegmentDeclarative
			continue
		}
		x.elemGone[i] = true
		off, err := x.constExpr(e.OffsetExpr)
		if err != nil {
			return nil, err
		}
		if e.UsesExprs || int(e.Table) >= len(x.tables) {
			return nil, errUnsupported
		}
		t := x.tables[e.Table]
		if uint64(uint32(off))+uint64(len(e.FuncIndices)) > uint64(len(t)) {
			return nil, errUnsupported // instantiation traps: not what this checks
		}
		for i, fi := range e.FuncIndices {
			t[uint32(off)+uint32(i)] = uint64(fi) + 1
		}
	}
	for i, d := range m.Data {
		if d.Mode != wasm.SegmentActive {
			continue
		}
		x.dataGone[i] = true
		off, err := x.constExpr(d.OffsetExpr)
		if err != nil {
			return nil, err
		}
		if uint64(uint32(off))+uint64(len(d.Init)) > uint64(len(x.mem)) {
			return nil, errUnsupported
		}
		copy(x.mem[uint32(off):], d.Init)
	}
	if m.HasStart {
		return nil, errUnsupported
	}
	return x, nil
}

func (x *instance) constExpr(e wasm.ConstExpr) (uint64, error) {
	r := wasm.NewReader(e.Bytes, e.Offset, ^wasm.Features(0))
	var ins wasm.Instr
	if err := r.Next(&ins); err != nil {
		return 0, err
	}
	var v uint64
	x.constHi = 0
	switch ins.Op {
	case wasm.OpV128Const:
		for i := range 8 {
			v |= uint64(ins.V128[i]) << (8 * i)
			x.constHi |= uint64(ins.V128[i+8]) << (8 * i)
		}
	case wasm.OpI32Const:
		v = uint64(uint32(ins.I32))
	case wasm.OpI64Const:
		v = uint64(ins.I64)
	case wasm.OpF32Const:
		v = uint64(ins.F32)
	case wasm.OpF64Const:
		v = ins.F64
	case wasm.OpRefNull:
		v = 0
	case wasm.OpRefFunc:
		v = uint64(ins.Index) + 1
	case wasm.OpGlobalGet:
		if int(ins.Index) >= len(x.globals) {
			return 0, errUnsupported
		}
		v, x.constHi = x.globals[ins.Index], x.globalHi[ins.Index]
	default:
		return 0, errUnsupported
	}
	if err := r.Next(&ins); err != nil || ins.Op != wasm.OpEnd {
		return 0, errUnsupported
	}
	return v, nil
}

// call runs function fi (in the function index space).
func (x *instance) call(fi uint32, args []uint64) ([]uint64, error) {
	n := fi - uint32(x.m.NumImportedFuncs())
	if x.funcs[n] == nil {
		f, err := x.l.Lower(fi)
		if err != nil {
			return nil, err
		}
		x.funcs[n] = f
	}
	if x.depth > 2000 {
		return nil, raise(trap.StackExhausted)
	}
	x.depth++
	defer func() { x.depth-- }()
	return x.run(x.funcs[n], args)
}

func (x *instance) run(f *ssa.Func, args []uint64) ([]uint64, error) {
	vals := make([]uint64, f.NumValues())
	his := make([]uint64, f.NumValues()) // high halves of v128 values
	tuples := map[ssa.ID][]uint64{}
	b := f.Entry()
	for _, p := range b.Params {
		vals[p] = args[0]
		args = args[1:]
		if f.Value(p).Type == ssa.TypeV128 {
			his[p] = args[0]
			args = args[1:]
		}
	}
	var tmp, tmpHi []uint64
	jump := func(e ssa.Edge) *ssa.Block {
		t := f.Block(e.Block)
		tmp, tmpHi = tmp[:0], tmpHi[:0]
		for _, a := range e.Args {
			tmp = append(tmp, vals[a])
			tmpHi = append(tmpHi, his[a])
		}
		for i, p := range t.Params {
			vals[p], his[p] = tmp[i], tmpHi[i]
		}
		return t
	}
	for steps := 0; ; steps++ {
		if steps > 10_000_000 {
			return nil, errUnsupported // runs too long for a test
		}
		for _, id := range b.Instrs {
			v := f.Value(id)
			if usesV128(f, v) {
				lo, hi, err := x.execV128(f, v, vals, his, tuples)
				if err != nil {
					return nil, err
				}
				vals[id], his[id] = lo, hi
				continue
			}
			r, err := x.exec(f, v, vals, tuples)
			if err != nil {
				return nil, err
			}
			vals[id] = r
		}
		switch b.Term {
		case ssa.OpJump:
			b = jump(b.Succs[0])
		case ssa.OpBrIf:
			if uint32(vals[b.Controls[0]]) != 0 {
				b = jump(b.Succs[0])
			} else {
				b = jump(b.Succs[1])
			}
		case ssa.OpBrTable:
			i := uint64(uint32(vals[b.Controls[0]]))
			if i >= uint64(len(b.Succs)-1) {
				i = uint64(len(b.Succs) - 1)
			}
			b = jump(b.Succs[i])
		case ssa.OpReturn:
			return words(f, b.Controls, vals, his), nil
		case ssa.OpTrap:
			return nil, raise(trap.Kind(b.Aux))
		default:
			return nil, fmt.Errorf("block b%d has terminator %s", b.ID, b.Term)
		}
	}
}

// callArgs collects call arguments from vals.
func callArgs(ids []ssa.ID, vals []uint64) []uint64 {
	a := make([]uint64, len(ids))
	for i, id := range ids {
		a[i] = vals[id]
	}
	return a
}

func (x *instance) exec(f *ssa.Func, v *ssa.Value, vals []uint64, tuples map[ssa.ID][]uint64) (uint64, error) {
	arg := func(i int) uint64 { return vals[v.Args[i]] }
	switch v.Op {
	case ssa.OpI32Const:
		return uint64(uint32(v.Aux)), nil
	case ssa.OpI64Const, ssa.OpF32Const, ssa.OpF64Const:
		return uint64(v.Aux), nil
	case ssa.OpCopy:
		return arg(0), nil
	case ssa.OpSelect:
		if uint32(arg(2)) != 0 {
			return arg(0), nil
		}
		return arg(1), nil
	case ssa.OpRefNull:
		return 0, nil
	case ssa.OpRefFunc:
		return uint64(v.Aux) + 1, nil
	case ssa.OpRefIsNull:
		return b2u(arg(0) == 0), nil
	case ssa.OpGlobalGet:
		return x.globals[v.Aux], nil
	case ssa.OpGlobalSet:
		x.globals[v.Aux] = arg(0)
		return 0, nil
	case ssa.OpTrapz, ssa.OpTrapnz:
		if (uint32(arg(0)) == 0) == (v.Op == ssa.OpTrapz) {
			return 0, raise(v.Trap())
		}
		return 0, nil
	case ssa.OpCall:
		res, err := x.call(uint32(v.Aux), callArgs(v.Args, vals))
		return x.result(v, res, err, tuples)
	case ssa.OpCallIndirect:
		t := x.tables[v.TableIndex()]
		i := uint64(uint32(arg(0)))
		if i >= uint64(len(t)) {
			return 0, raise(trap.TableOutOfBounds)
		}
		if t[i] == 0 {
			return 0, raise(trap.UninitializedElement)
		}
		callee := uint32(t[i] - 1)
		ft, _ := x.m.FuncType(callee)
		if !ft.Equal(&x.m.Types[v.TypeIndex()]) {
			return 0, raise(trap.IndirectCallTypeMismatch)
		}
		res, err := x.call(callee, callArgs(v.Args[1:], vals))
		return x.result(v, res, err, tuples)
	case ssa.OpExtract:
		return tuples[v.Args[0]][v.Aux], nil
	case ssa.OpMemorySize:
		return uint64(len(x.mem) / pageSize), nil
	case ssa.OpMemoryGrow:
		old := uint64(len(x.mem) / pageSize)
		d := uint64(uint32(arg(0)))
		if old+d > x.maxMem || x.mem == nil && len(x.m.Memories) == 0 {
			return uint64(math.MaxUint32), nil
		}
		x.mem = append(x.mem, make([]byte, d*pageSize)...)
		return old, nil
	case ssa.OpTableSize:
		return uint64(len(x.tables[v.Aux])), nil
	case ssa.OpTableGet:
		t := x.tables[v.Aux]
		i := uint64(uint32(arg(0)))
		if i >= uint64(len(t)) {
			return 0, raise(trap.TableOutOfBounds)
		}
		return t[i], nil
	case ssa.OpTableSet:
		t := x.tables[v.Aux]
		i := uint64(uint32(arg(0)))
		if i >= uint64(len(t)) {
			return 0, raise(trap.TableOutOfBounds)
		}
		t[i] = arg(1)
		return 0, nil
	case ssa.OpMemoryFill:
		d, val, n := uint64(uint32(arg(0))), byte(arg(1)), uint64(uint32(arg(2)))
		if d+n > uint64(len(x.mem)) {
			return 0, raise(trap.MemoryOutOfBounds)
		}
		for i := range n {
			x.mem[d+i] = val
		}
		return 0, nil
	case ssa.OpMemoryCopy:
		d, src, n := uint64(uint32(arg(0))), uint64(uint32(arg(1))), uint64(uint32(arg(2)))
		if d+n > uint64(len(x.mem)) || src+n > uint64(len(x.mem)) {
			return 0, raise(trap.MemoryOutOfBounds)
		}
		copy(x.mem[d:d+n], x.mem[src:src+n])
		return 0, nil
	case ssa.OpMemoryInit:
		var seg []byte
		if !x.dataGone[v.Aux] {
			seg = x.m.Data[v.Aux].Init
		}
		d, src, n := uint64(uint32(arg(0))), uint64(uint32(arg(1))), uint64(uint32(arg(2)))
		if d+n > uint64(len(x.mem)) || src+n > uint64(len(seg)) {
			return 0, raise(trap.MemoryOutOfBounds)
		}
		copy(x.mem[d:d+n], seg[src:src+n])
		return 0, nil
	case ssa.OpDataDrop:
		x.dataGone[v.Aux] = true
		return 0, nil
	case ssa.OpElemDrop:
		x.elemGone[v.Aux] = true
		return 0, nil
	case ssa.OpTableGrow:
		t := x.tables[v.Aux]
		n := uint64(uint32(arg(1)))
		limit := uint64(math.MaxUint32)
		if tt, _ := x.m.TableType(uint32(v.Aux)); tt.Limits.HasMax {
			limit = uint64(tt.Limits.Max)
		}
		if uint64(len(t))+n > limit || uint64(len(t))+n > 1<<20 {
			return uint64(math.MaxUint32), nil
		}
		for range n {
			t = append(t, arg(0))
		}
		x.tables[v.Aux] = t
		return uint64(len(t)) - n, nil
	case ssa.OpTableFill:
		t := x.tables[v.Aux]
		d, n := uint64(uint32(arg(0))), uint64(uint32(arg(2)))
		if d+n > uint64(len(t)) {
			return 0, raise(trap.TableOutOfBounds)
		}
		for i := range n {
			t[d+i] = arg(1)
		}
		return 0, nil
	case ssa.OpTableCopy:
		dt, st := x.tables[v.Aux], x.tables[v.Aux2]
		d, src, n := uint64(uint32(arg(0))), uint64(uint32(arg(1))), uint64(uint32(arg(2)))
		if d+n > uint64(len(dt)) || src+n > uint64(len(st)) {
			return 0, raise(trap.TableOutOfBounds)
		}
		copy(dt[d:d+n], st[src:src+n])
		return 0, nil
	case ssa.OpTableInit:
		t := x.tables[v.Aux2]
		var seg []uint32
		if !x.elemGone[v.Aux] {
			seg = x.m.Elements[v.Aux].FuncIndices
		}
		d, src, n := uint64(uint32(arg(0))), uint64(uint32(arg(1))), uint64(uint32(arg(2)))
		if d+n > uint64(len(t)) || src+n > uint64(len(seg)) {
			return 0, raise(trap.TableOutOfBounds)
		}
		for i := range n {
			t[d+i] = uint64(seg[src+i]) + 1
		}
		return 0, nil
	}
	if info := v.Op.Info(); info.Aux == ssa.AuxMem {
		return x.memOp(v, arg)
	}
	switch len(v.Args) {
	case 1:
		return unaryOp(v.Op, arg(0))
	case 2:
		return binaryOp(v.Op, arg(0), arg(1))
	}
	return 0, errUnsupported
}

func (x *instance) result(v *ssa.Value, res []uint64, err error, tuples map[ssa.ID][]uint64) (uint64, error) {
	if err != nil {
		return 0, err
	}
	switch len(res) {
	case 0:
		return 0, nil
	case 1:
		return res[0], nil
	}
	tuples[v.ID] = res
	return 0, nil
}

func (x *instance) memOp(v *ssa.Value, arg func(int) uint64) (uint64, error) {
	name := v.Op.String()
	size := map[string]uint64{"i32.load": 4, "i64.load": 8, "f32.load": 4, "f64.load": 8,
		"i32.store": 4, "i64.store": 8, "f32.store": 4, "f64.store": 8}[name]
	switch {
	case size != 0:
	case hasSuffix(name, "8_s", "8_u", "store8"):
		size = 1
	case hasSuffix(name, "16_s", "16_u", "store16"):
		size = 2
	default:
		size = 4
	}
	ea := uint64(uint32(arg(0))) + v.Offset()
	if ea+size > uint64(len(x.mem)) {
		return 0, raise(trap.MemoryOutOfBounds)
	}
	p := x.mem[ea : ea+size]
	if len(v.Args) == 2 { // store
		val := arg(1)
		for i := range p {
			p[i] = byte(val >> (8 * i))
		}
		return 0, nil
	}
	var r uint64
	for i := range p {
		r |= uint64(p[i]) << (8 * i)
	}
	signed := hasSuffix(name, "_s")
	if signed {
		sh := 64 - 8*size
		r = uint64(int64(r<<sh) >> sh)
	}
	if v.Type == ssa.TypeI32 {
		r = uint64(uint32(r))
	}
	return r, nil
}

func hasSuffix(s string, suffixes ...string) bool {
	for _, x := range suffixes {
		if len(s) >= len(x) && s[len(s)-len(x):] == x {
			return true
		}
	}
	return false
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func f32(x uint64) float32  { return math.Float32frombits(uint32(x)) }
func f64(x uint64) float64  { return math.Float64frombits(x) }
func u32f(x float32) uint64 { return uint64(math.Float32bits(x)) }
func u64f(x float64) uint64 { return math.Float64bits(x) }
