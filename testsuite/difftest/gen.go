package difftest

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// Generate makes a valid module from seed (the same seed, the same
// module) that reaches what binaryen's generator rarely makes: deep block
// nesting, br_table with many targets, many locals and parameters across
// calls, multi-value functions and blocks, call_indirect across two
// tables, memory and table growth, bulk memory and table instructions,
// and accesses at the exact boundaries of memory and tables. A third of
// the modules use v128 too: in locals, globals, parameters, results and
// blocks, made and consumed by every SIMD instruction.
//
// Every call and loop iteration spends fuel (two globals the exported
// wrappers reset), which traps with unreachable when it runs out, so no
// call runs forever and recursion stays shallow. Float values pass a NaN
// guard before their bits can be observed (stores, reinterpretations, the
// sign operand of copysign, vector lanes), since the spec leaves NaN
// payloads open.
func Generate(seed uint64) []byte {
	g := &modGen{rnd: rand.New(rand.NewPCG(seed, 0x9e4))}
	g.simd = g.chance(3)
	return g.module()
}

var numTypes = []wasm.ValType{wasm.I32, wasm.I64, wasm.F32, wasm.F64}

const (
	numImports   = 5 // log-i32, log-i64, log-f32, log-f64, log-many
	globalCalls  = 0 // call fuel
	globalLoops  = 1 // loop fuel
	callFuel     = 150
	loopFuel     = 4000
	maxMemPages  = 4
	table0Max    = 40
	numDataSegs  = 4 // 0, 1 active; 2, 3 passive
	numElemSegs  = 4 // 0 table 0, 1 table 1 active; 2 passive; 3 declarative
	maxNestDepth = 6
)

type funcSig struct {
	params, results []wasm.ValType
	typeIdx         int
}

type label struct {
	types []wasm.ValType // what a branch to it carries
}

type modGen struct {
	rnd     *rand.Rand
	simd    bool // v128 values and SIMD instructions
	types   []wasm.FuncType
	funcs   []funcSig // imports first
	globals []wasm.ValType
	tsize   [2]int // initial table sizes
	// per function
	f      *funcGen
	bodies [][]byte
}

type funcGen struct {
	sig     funcSig
	locals  []wasm.ValType // params then declared locals
	scratch map[wasm.ValType]uint32
	labels  []label
	b       []byte
	budget  int // statements left
}

func (g *modGen) pick(n int) int    { return g.rnd.IntN(n) }
func (g *modGen) chance(n int) bool { return g.rnd.IntN(n) == 0 }

func (g *modGen) typeIndex(params, results []wasm.ValType) int {
	ft := wasm.FuncType{Params: params, Results: results}
	for i := range g.types {
		if g.types[i].Equal(&ft) {
			return i
		}
	}
	g.types = append(g.types, wasm.FuncType{Params: slices.Clone(params), Results: slices.Clone(results)})
	return len(g.types) - 1
}

func (g *modGen) randTypes(maxN int) []wasm.ValType {
	n := g.pick(maxN + 1)
	ts := make([]wasm.ValType, n)
	for i := range ts {
		ts[i] = g.valType()
	}
	return ts
}

// valType draws a value type: a number type, or in a SIMD module
// sometimes v128.
func (g *modGen) valType() wasm.ValType {
	if g.simd && g.chance(5) {
		return wasm.V128
	}
	return numTypes[g.pick(4)]
}

// hasV128 says whether a signature mentions v128, which exported
// functions avoid (the plan's arguments are drawn per scalar).
func hasV128(s funcSig) bool {
	return slices.Contains(s.params, wasm.V128) || slices.Contains(s.results, wasm.V128)
}

func (g *modGen) module() []byte {
	// Imports.
	for _, t := range numTypes {
		g.funcs = append(g.funcs, funcSig{params: []wasm.ValType{t}})
	}
	g.funcs = append(g.funcs, funcSig{params: []wasm.ValType{wasm.I32, wasm.I64, wasm.F32, wasm.F64, wasm.I32, wasm.I64}})
	// Defined functions: a few with many parameters or results.
	nfuncs := 2 + g.pick(8)
	for i := range nfuncs {
		var s funcSig
		switch g.pick(6) {
		case 0:
			s.params = g.randTypes(24)
		default:
			s.params = g.randTypes(4)
		}
		switch g.pick(4) {
		case 0:
			s.results = g.randTypes(5)
		default:
			s.results = g.randTypes(1)
		}
		for i == 0 && hasV128(s) { // one function can always be exported
			s = funcSig{params: g.randTypes(3), results: g.randTypes(1)}
		}
		g.funcs = append(g.funcs, s)
	}
	for i := range g.funcs {
		g.funcs[i].typeIdx = g.typeIndex(g.funcs[i].params, g.funcs[i].results)
	}
	g.globals = []wasm.ValType{wasm.I32, wasm.I32}
	for range 1 + g.pick(5) {
		g.globals = append(g.globals, g.valType())
	}
	g.tsize = [2]int{4 + g.pick(12), 1 + g.pick(6)}
	ndef := len(g.funcs) - numImports
	for i := range ndef {
		g.bodies = append(g.bodies, g.function(g.funcs[numImports+i]))
	}
	// Exported wrappers reset the fuel and call a defined function.
	nwrap := min(ndef, 2+g.pick(6))
	var wrapped []int
	for range nwrap {
		j := numImports + g.pick(ndef)
		if hasV128(g.funcs[j]) {
			j = numImports
		}
		wrapped = append(wrapped, j)
	}
	var start []byte
	if g.chance(4) {
		start = g.function(funcSig{typeIdx: g.typeIndex(nil, nil)})
	}
	return g.encode(wrapped, start)
}

// function generates one body.
func (g *modGen) function(sig funcSig) []byte {
	f := &funcGen{sig: sig, scratch: map[wasm.ValType]uint32{}, budget: 10 + g.pick(40)}
	defer func() { g.f = nil }()
	g.f = f
	f.locals = slices.Clone(sig.params)
	nlocals := g.pick(8)
	if g.chance(5) {
		nlocals = 32 + g.pick(40)
	}
	for range nlocals {
		f.locals = append(f.locals, g.valType())
	}
	scratch := numTypes
	if g.simd {
		scratch = append(slices.Clone(numTypes), wasm.V128)
	}
	for _, t := range scratch {
		f.scratch[t] = uint32(len(f.locals))
		f.locals = append(f.locals, t)
	}
	f.labels = []label{{types: sig.results}}
	g.fuel(globalCalls)
	g.stmts(0)
	g.exprs(sig.results, 2)
	g.op(0x0b)
	return appendLocals(f.locals[len(sig.params):], f.b)
}

// appendLocals prefixes a body with its local declarations.
func appendLocals(locals []wasm.ValType, body []byte) []byte {
	var out []byte
	var groups [][2]uint64
	for _, t := range locals {
		if n := len(groups); n > 0 && groups[n-1][1] == uint64(t) {
			groups[n-1][0]++
			continue
		}
		groups = append(groups, [2]uint64{1, uint64(t)})
	}
	out = binary.AppendUvarint(out, uint64(len(groups)))
	for _, gr := range groups {
		out = binary.AppendUvarint(out, gr[0])
		out = append(out, byte(gr[1]))
	}
	return append(out, body...)
}

func (g *modGen) op(b ...byte) { g.f.b = append(g.f.b, b...) }
func (g *modGen) u(v uint64)   { g.f.b = binary.AppendUvarint(g.f.b, v) }
func (g *modGen) s(v int64)    { g.f.b = appendSleb(g.f.b, v) }

func appendSleb(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 && c&0x40 == 0 || v == -1 && c&0x40 != 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// fuel traps when global gi is 0, else decrements it.
func (g *modGen) fuel(gi int) {
	g.op(0x23)
	g.u(uint64(gi))
	g.op(0x45, 0x04, 0x40, 0x00, 0x0b) // i32.eqz if unreachable end
	g.op(0x23)
	g.u(uint64(gi))
	g.op(0x41, 0x01, 0x6b, 0x24) // i32.const 1 i32.sub global.set
	g.u(uint64(gi))
}

func (g *modGen) stmts(depth int) {
	n := 1 + g.pick(5)
	for range n {
		if g.f.budget <= 0 {
			return
		}
		g.f.budget--
		g.stmt(depth)
	}
}

// localOf returns a local of type t, if the function has one besides
// the scratch locals (which only guards and spills use).
func (g *modGen) localOf(t wasm.ValType) (uint32, bool) {
	f := g.f
	if len(f.locals) == 0 {
		return 0, false
	}
	for range 4 {
		i := g.pick(len(f.locals))
		if f.locals[i] == t && uint32(i) != f.scratch[t] {
			return uint32(i), true
		}
	}
	return 0, false
}

func (g *modGen) stmt(depth int) {
	switch k := g.pick(24); {
	case g.simd && k < 2:
		g.vstore()
	case k < 4:
		t := g.valType()
		if l, ok := g.localOf(t); ok {
			g.expr(t, 3)
			g.op(0x21)
			g.u(uint64(l))
			return
		}
		g.expr(t, 3)
		g.op(0x1a)
	case k < 6:
		gi := 2 + g.pick(len(g.globals)-2)
		g.expr(g.globals[gi], 3)
		g.op(0x24)
		g.u(uint64(gi))
	case k < 9:
		g.store()
	case k < 10:
		t := g.pick(4)
		g.expr(numTypes[t], 3)
		g.op(0x10)
		g.u(uint64(t))
	case k < 11:
		for _, t := range g.funcs[4].params {
			g.expr(t, 1)
		}
		g.op(0x10, 4)
	case k < 14 && depth < maxNestDepth:
		g.nested(depth)
	case k < 15:
		g.branchIf(2)
	case k < 16:
		g.bulk()
	case k < 17:
		g.tableOp()
	case k < 19:
		g.callStmt()
	case k < 20 && depth < maxNestDepth && g.chance(3):
		g.deepChain()
	case k < 21 && depth < maxNestDepth:
		// A block ending with a br_table or br.
		g.op(0x02, 0x40)
		g.f.labels = append(g.f.labels, label{})
		g.stmts(depth + 1)
		g.terminal()
		g.op(0x0b)
		g.f.labels = g.f.labels[:len(g.f.labels)-1]
	default:
		t := g.valType()
		g.expr(t, 4)
		g.op(0x1a)
	}
}

// nested emits a void block, loop or if with statements inside.
func (g *modGen) nested(depth int) {
	switch g.pick(3) {
	case 0:
		g.op(0x02, 0x40)
		g.f.labels = append(g.f.labels, label{})
		g.stmts(depth + 1)
		if g.chance(2) {
			g.terminal()
		}
	case 1:
		g.op(0x03, 0x40)
		g.f.labels = append(g.f.labels, label{})
		g.fuel(globalLoops)
		g.stmts(depth + 1)
		g.cond(2)
		g.op(0x0d, 0x00) // br_if 0: again
	case 2:
		g.cond(2)
		g.op(0x04, 0x40)
		g.f.labels = append(g.f.labels, label{})
		g.stmts(depth + 1)
		if g.chance(2) {
			g.op(0x05)
			g.stmts(depth + 1)
		}
	}
	g.op(0x0b)
	g.f.labels = g.f.labels[:len(g.f.labels)-1]
}

// deepChain nests many blocks with branches out of the innermost to
// labels at every depth, some through a br_table.
func (g *modGen) deepChain() {
	n := 16 + g.pick(100)
	for range n {
		g.op(0x02, 0x40)
		g.f.labels = append(g.f.labels, label{})
	}
	g.cond(2)
	g.op(0x0d)
	g.u(uint64(g.pick(n)))
	if g.chance(2) {
		g.brTable()
	}
	for i := range n {
		g.op(0x0b)
		g.f.labels = g.f.labels[:len(g.f.labels)-1]
		if i%7 == 3 {
			g.stmt(maxNestDepth)
		}
	}
}

// cond pushes a condition that is true about half the time (a loop's
// fuel still bounds it).
func (g *modGen) cond(d int) {
	g.expr(wasm.I32, d)
	if g.pick(3) > 0 {
		g.op(0x41, 0x01, 0x71) // i32.and 1
	}
}

// terminal ends the current block body with a branch, br_table or
// return; the stack is polymorphic after it, and the block ends next.
func (g *modGen) terminal() {
	switch g.pick(6) {
	case 0, 1, 2:
		g.brTable()
	case 3, 4:
		d := g.pick(len(g.f.labels))
		g.exprs(g.f.labels[len(g.f.labels)-1-d].types, 2)
		g.op(0x0c)
		g.u(uint64(d))
	case 5:
		g.exprs(g.f.sig.results, 2)
		g.op(0x0f)
	}
}

// brTable branches to labels of one type list, with up to hundreds of
// entries.
func (g *modGen) brTable() {
	ls := g.f.labels
	def := g.pick(len(ls))
	want := ls[len(ls)-1-def].types
	var same []int
	for d := range ls {
		if slices.Equal(ls[len(ls)-1-d].types, want) {
			same = append(same, d)
		}
	}
	n := g.pick(8)
	if g.chance(3) {
		n = 16 + g.pick(300)
	}
	g.exprs(want, 2)
	// The index: small, near the table's end, or past it.
	switch g.pick(3) {
	case 0:
		g.op(0x41)
		g.s(int64(g.pick(n + 2)))
	default:
		g.expr(wasm.I32, 2)
	}
	g.op(0x0e)
	g.u(uint64(n))
	for range n {
		g.u(uint64(same[g.pick(len(same))]))
	}
	g.u(uint64(def))
}

// branchIf emits a br_if with values, whose fall-through values are
// dropped.
func (g *modGen) branchIf(depth int) {
	d := g.pick(len(g.f.labels))
	ts := g.f.labels[len(g.f.labels)-1-d].types
	g.exprs(ts, depth)
	g.cond(depth)
	g.op(0x0d)
	g.u(uint64(d))
	for range ts {
		g.op(0x1a)
	}
}

func (g *modGen) exprs(ts []wasm.ValType, d int) {
	for _, t := range ts {
		g.expr(t, d)
	}
}

var (
	binops = map[wasm.ValType][]byte{
		wasm.I32: {0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78},
		wasm.I64: {0x7c, 0x7d, 0x7e, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a},
		wasm.F32: {0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98},
		wasm.F64: {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6},
	}
	unops = map[wasm.ValType][]byte{
		wasm.I32: {0x67, 0x68, 0x69, 0xc0, 0xc1},
		wasm.I64: {0x79, 0x7a, 0x7b, 0xc2, 0xc3, 0xc4},
		wasm.F32: {0x8b, 0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x91},
		wasm.F64: {0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f},
	}
	// conversions to a type: opcode (0xfc-prefixed when above 0xff) and
	// source type.
	convs = map[wasm.ValType][]struct {
		op  uint32
		src wasm.ValType
	}{
		wasm.I32: {{0xa7, wasm.I64}, {0xa8, wasm.F32}, {0xa9, wasm.F32}, {0xaa, wasm.F64}, {0xab, wasm.F64},
			{0xbc, wasm.F32}, {0xfc00, wasm.F32}, {0xfc01, wasm.F32}, {0xfc02, wasm.F64}, {0xfc03, wasm.F64}},
		wasm.I64: {{0xac, wasm.I32}, {0xad, wasm.I32}, {0xae, wasm.F32}, {0xaf, wasm.F32}, {0xb0, wasm.F64}, {0xb1, wasm.F64},
			{0xbd, wasm.F64}, {0xfc04, wasm.F32}, {0xfc05, wasm.F32}, {0xfc06, wasm.F64}, {0xfc07, wasm.F64}},
		wasm.F32: {{0xb2, wasm.I32}, {0xb3, wasm.I32}, {0xb4, wasm.I64}, {0xb5, wasm.I64}, {0xb6, wasm.F64}, {0xbe, wasm.I32}},
		wasm.F64: {{0xb7, wasm.I32}, {0xb8, wasm.I32}, {0xb9, wasm.I64}, {0xba, wasm.I64}, {0xbb, wasm.F32}, {0xbf, wasm.I64}},
	}
	// compares: first opcode and count, per operand type (eqz apart).
	cmpBase = map[wasm.ValType][2]byte{wasm.I32: {0x46, 10}, wasm.I64: {0x51, 10}, wasm.F32: {0x5b, 6}, wasm.F64: {0x61, 6}}
	// loads producing a type: opcode and natural alignment (log2).
	loads = map[wasm.ValType][][2]byte{
		wasm.I32: {{0x28, 2}, {0x2c, 0}, {0x2d, 0}, {0x2e, 1}, {0x2f, 1}},
		wasm.I64: {{0x29, 3}, {0x30, 0}, {0x31, 0}, {0x32, 1}, {0x33, 1}, {0x34, 2}, {0x35, 2}},
		wasm.F32: {{0x2a, 2}},
		wasm.F64: {{0x2b, 3}},
	}
	stores = map[wasm.ValType][][2]byte{
		wasm.I32: {{0x36, 2}, {0x3a, 0}, {0x3b, 1}},
		wasm.I64: {{0x37, 3}, {0x3c, 0}, {0x3d, 1}, {0x3e, 2}},
		wasm.F32: {{0x38, 2}},
		wasm.F64: {{0x39, 3}},
	}
)

func isFloat(t wasm.ValType) bool { return t == wasm.F32 || t == wasm.F64 }

// expr pushes one value of type t.
func (g *modGen) expr(t wasm.ValType, d int) {
	if d <= 0 {
		g.leaf(t)
		return
	}
	if g.simd && t != wasm.V128 && g.chance(8) {
		g.vscalar(t, d)
		return
	}
	switch k := g.pick(20); {
	case t == wasm.V128 && k < 10:
		g.vexpr(d)
	case k < 3:
		g.leaf(t)
	case k < 7:
		g.expr(t, d-1)
		g.expr(t, d-1)
		ops := binops[t]
		o := ops[g.pick(len(ops))]
		if o == 0x98 || o == 0xa6 { // copysign: the sign operand's bits show
			g.denan(t)
		}
		g.op(o)
	case k < 8:
		g.expr(t, d-1)
		ops := unops[t]
		g.op(ops[g.pick(len(ops))])
	case k < 10:
		cs := convs[t]
		c := cs[g.pick(len(cs))]
		g.expr(c.src, d-1)
		if c.op == 0xbc || c.op == 0xbd { // reinterpret a float: its NaN bits show
			g.denan(c.src)
		}
		if c.op > 0xff {
			g.op(0xfc, byte(c.op&0xff))
		} else {
			g.op(byte(c.op))
		}
	case k < 12 && t == wasm.I32:
		st := numTypes[g.pick(4)]
		if !isFloat(st) && g.chance(3) {
			g.expr(st, d-1)
			g.op(map[wasm.ValType]byte{wasm.I32: 0x45, wasm.I64: 0x50}[st])
			return
		}
		g.expr(st, d-1)
		g.expr(st, d-1)
		b := cmpBase[st]
		g.op(b[0] + byte(g.pick(int(b[1]))))
	case k < 13 && t != wasm.V128:
		ls := loads[t]
		l := ls[g.pick(len(ls))]
		g.address(1<<l[1], d-1)
		g.op(l[0])
		g.memarg(l[1])
	case k < 14:
		g.callExpr(t, d)
	case k < 15:
		g.cond(d - 1)
		g.op(0x04)
		g.op(byte(t))
		g.f.labels = append(g.f.labels, label{types: []wasm.ValType{t}})
		g.expr(t, d-1)
		g.op(0x05)
		g.expr(t, d-1)
		g.op(0x0b)
		g.f.labels = g.f.labels[:len(g.f.labels)-1]
	case k < 16:
		g.blockExpr(t, d)
	case k < 17:
		g.expr(t, d-1)
		g.expr(t, d-1)
		g.cond(d - 1)
		if g.chance(2) {
			g.op(0x1c, 0x01, byte(t))
		} else {
			g.op(0x1b)
		}
	case k < 18 && t == wasm.I32:
		switch g.pick(5) {
		case 0:
			g.op(0x3f, 0x00) // memory.size
		case 1:
			g.growDelta()
			g.op(0x40, 0x00) // memory.grow
		case 2:
			g.op(0xfc, 0x10)
			g.u(uint64(g.pick(2))) // table.size
		case 3:
			ti := g.pick(2)
			g.ref(ti)
			g.growDelta()
			g.op(0xfc, 0x0f)
			g.u(uint64(ti)) // table.grow
		case 4:
			ti := g.pick(2)
			g.tableIndex(ti)
			g.op(0x25)
			g.u(uint64(ti))
			g.op(0xd1) // ref.is_null
		}
	case k < 19:
		if l, ok := g.localOf(t); ok {
			g.expr(t, d-1)
			g.op(0x22)
			g.u(uint64(l))
			return
		}
		g.leaf(t)
	default:
		g.leaf(t)
	}
}

// denan replaces a NaN on top of the stack with 0.
func (g *modGen) denan(t wasm.ValType) {
	s := uint64(g.f.scratch[t])
	g.op(0x22)
	g.u(s)
	g.constOf(t, 0)
	g.op(0x20)
	g.u(s)
	g.op(0x20)
	g.u(s)
	if t == wasm.F32 {
		g.op(0x5b)
	} else {
		g.op(0x61)
	}
	g.op(0x1b)
}

func (g *modGen) constOf(t wasm.ValType, bits uint64) {
	switch t {
	case wasm.I32:
		g.op(0x41)
		g.s(int64(int32(bits)))
	case wasm.I64:
		g.op(0x42)
		g.s(int64(bits))
	case wasm.F32:
		g.op(0x43)
		g.f.b = binary.LittleEndian.AppendUint32(g.f.b, uint32(bits))
	case wasm.F64:
		g.op(0x44)
		g.f.b = binary.LittleEndian.AppendUint64(g.f.b, bits)
	}
}

var interesting = []uint64{0, 1, 2, 3, 7, 8, 31, 32, 33, 63, 64, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff,
	0x80000000, 0xffffffff, 0x100000000, 0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff,
	0xfffffffffffffffe, 0xffffffff80000000}

var interestingF32 = []float32{0, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, 1e10, -1e10, 2147483648, -2147483904, 4294967296,
	9.2233720e18, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), math.MaxFloat32, math.SmallestNonzeroFloat32}

var interestingF64 = []float64{0, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, 1e300, -1e-300, 2147483647.9, 2147483648, -2147483648.9,
	4294967295.5, 9223372036854775807, -9223372036854775808, 18446744073709551615, math.Inf(1), math.Inf(-1), math.NaN(),
	math.MaxFloat64, math.SmallestNonzeroFloat64}

func (g *modGen) leaf(t wasm.ValType) {
	if t == wasm.V128 && g.pick(3) > 0 {
		// Mostly constants: vector locals start as zeros, and constant
		// operands are what the optimiser folds.
		g.constLeaf(t)
		return
	}
	switch g.pick(5) {
	case 0, 1:
		if l, ok := g.localOf(t); ok {
			g.op(0x20)
			g.u(uint64(l))
			return
		}
	case 2:
		for range 3 {
			if gi := 2 + g.pick(len(g.globals)-2); g.globals[gi] == t {
				g.op(0x23)
				g.u(uint64(gi))
				return
			}
		}
	}
	g.constLeaf(t)
}

// constLeaf pushes a constant, often one at a boundary.
func (g *modGen) constLeaf(t wasm.ValType) {
	switch t {
	case wasm.V128:
		g.vop(0x0c)
		g.f.b = append(g.f.b, g.v128Bits()...)
	case wasm.F32:
		v := interestingF32[g.pick(len(interestingF32))]
		if g.chance(3) {
			v = float32(g.rnd.NormFloat64() * 1000)
		}
		g.constOf(t, uint64(math.Float32bits(v)))
	case wasm.F64:
		v := interestingF64[g.pick(len(interestingF64))]
		if g.chance(3) {
			v = g.rnd.NormFloat64() * 1e6
		}
		g.constOf(t, math.Float64bits(v))
	default:
		v := interesting[g.pick(len(interesting))]
		switch g.pick(4) {
		case 0:
			v = g.rnd.Uint64()
		case 1:
			v = uint64(g.pick(20)) - 10
		}
		g.constOf(t, v)
	}
}

// address pushes an address for an access of size bytes: small, masked,
// or at the very end of memory (size bytes before it, or a few bytes
// across it).
func (g *modGen) address(size, d int) {
	switch g.pick(6) {
	case 0, 1:
		g.op(0x41)
		g.s(int64(g.pick(2048)))
	case 2:
		g.expr(wasm.I32, d)
		g.op(0x41)
		g.s(0xffff)
		g.op(0x71)
	case 3, 4:
		// memory.size * 65536 - k
		g.op(0x3f, 0x00, 0x41, 0x10, 0x74, 0x41)
		g.s(int64(size + g.pick(4) - 2))
		g.op(0x6b)
	default:
		g.expr(wasm.I32, d)
	}
}

// memarg writes an alignment (at most natural) and an offset, sometimes
// one that crosses the end of memory by itself.
func (g *modGen) memarg(natural byte) {
	g.u(uint64(g.pick(int(natural) + 1)))
	switch g.pick(8) {
	case 0:
		g.u(uint64(g.pick(64)))
	case 1:
		g.u(65535 + uint64(g.pick(3)))
	case 2:
		g.u(0xfffffff0 + uint64(g.pick(16)))
	default:
		g.u(0)
	}
}

func (g *modGen) store() {
	t := numTypes[g.pick(4)]
	ss := stores[t]
	s := ss[g.pick(len(ss))]
	g.address(1<<s[1], 2)
	g.expr(t, 3)
	if isFloat(t) {
		g.denan(t)
	}
	g.op(s[0])
	g.memarg(s[1])
}

func (g *modGen) growDelta() {
	g.op(0x41)
	switch g.pick(8) {
	case 0:
		g.s(-1)
	case 1:
		g.s(int64(g.pick(100)))
	default:
		g.s(int64(g.pick(2)))
	}
}

// ref pushes a funcref: null or a function.
func (g *modGen) ref(int) {
	if g.chance(3) {
		g.op(0xd0, 0x70)
		return
	}
	g.op(0xd2)
	g.u(uint64(numImports + g.pick(len(g.funcs)-numImports)))
}

// tableIndex pushes an index into table ti: small, or at its end.
func (g *modGen) tableIndex(ti int) {
	if g.chance(2) {
		g.op(0x41)
		g.s(int64(g.pick(g.tsize[ti] + 2)))
		return
	}
	g.op(0xfc, 0x10)
	g.u(uint64(ti))
	g.op(0x41)
	g.s(int64(g.pick(3)))
	g.op(0x6b)
}

// length pushes a length for a bulk operation: short, or just past what
// fits.
func (g *modGen) length() {
	g.op(0x41)
	switch g.pick(4) {
	case 0:
		g.s(0)
	case 1:
		g.s(int64(65536 + g.pick(3) - 1))
	default:
		g.s(int64(g.pick(40)))
	}
}

func (g *modGen) bulk() {
	switch g.pick(5) {
	case 0: // memory.fill dst val len
		g.address(1, 1)
		g.expr(wasm.I32, 1)
		g.length()
		g.op(0xfc, 0x0b, 0x00)
	case 1: // memory.copy dst src len
		g.address(1, 1)
		g.address(1, 1)
		g.length()
		g.op(0xfc, 0x0a, 0x00, 0x00)
	case 2, 3: // memory.init seg dst src len
		g.address(1, 1)
		g.op(0x41)
		g.s(int64(g.pick(20)))
		g.op(0x41)
		g.s(int64(g.pick(20)))
		g.op(0xfc, 0x08)
		g.u(uint64(g.pick(numDataSegs)))
		g.op(0x00)
	case 4:
		g.op(0xfc, 0x09)
		g.u(uint64(g.pick(numDataSegs)))
	}
}

func (g *modGen) tableOp() {
	ti := g.pick(2)
	switch g.pick(6) {
	case 0: // table.set
		g.tableIndex(ti)
		g.ref(ti)
		g.op(0x26)
		g.u(uint64(ti))
	case 1: // table.fill i ref n
		g.tableIndex(ti)
		g.ref(ti)
		g.op(0x41)
		g.s(int64(g.pick(4)))
		g.op(0xfc, 0x11)
		g.u(uint64(ti))
	case 2: // table.copy dst src
		si := g.pick(2)
		g.tableIndex(ti)
		g.tableIndex(si)
		g.op(0x41)
		g.s(int64(g.pick(4)))
		g.op(0xfc, 0x0e)
		g.u(uint64(ti))
		g.u(uint64(si))
	case 3: // table.init seg table
		g.tableIndex(ti)
		g.op(0x41)
		g.s(int64(g.pick(4)))
		g.op(0x41)
		g.s(int64(g.pick(4)))
		g.op(0xfc, 0x0c)
		g.u(uint64(g.pick(numElemSegs)))
		g.u(uint64(ti))
	case 4:
		g.op(0xfc, 0x0d)
		g.u(uint64(g.pick(numElemSegs)))
	case 5:
		g.ref(ti)
		g.growDelta()
		g.op(0xfc, 0x0f)
		g.u(uint64(ti))
		g.op(0x1a)
	}
}

// call emits a direct or indirect call of a function or type with the
// given signature, its arguments first.
func (g *modGen) call(target int, sig funcSig, indirect bool, d int) {
	for _, t := range sig.params {
		g.expr(t, d)
	}
	if !indirect {
		g.op(0x10)
		g.u(uint64(target))
		return
	}
	ti := g.pick(2)
	g.tableIndex(ti)
	g.op(0x11)
	g.u(uint64(sig.typeIdx))
	g.u(uint64(ti))
}

func (g *modGen) pickCallee() (int, funcSig, bool) {
	j := numImports + g.pick(len(g.funcs)-numImports)
	return j, g.funcs[j], g.chance(3)
}

// callStmt calls a function and drops its results.
func (g *modGen) callStmt() {
	j, sig, ind := g.pickCallee()
	g.call(j, sig, ind, 2)
	for range sig.results {
		g.op(0x1a)
	}
}

// callExpr calls a function with a result of type t and keeps that one
// result, spilling it to a scratch local while the others are dropped.
func (g *modGen) callExpr(t wasm.ValType, d int) {
	for range 4 {
		j, sig, ind := g.pickCallee()
		k := slices.Index(sig.results, t)
		if k < 0 {
			continue
		}
		g.call(j, sig, ind, d-1)
		s := uint64(g.f.scratch[t])
		for i := len(sig.results) - 1; i >= 0; i-- {
			if i == k {
				g.op(0x21)
				g.u(s)
			} else {
				g.op(0x1a)
			}
		}
		g.op(0x20)
		g.u(s)
		return
	}
	g.expr(t, d-1)
}

// blockExpr pushes t through a multi-value block or loop: it takes
// parameters, may branch out with values, and yields t and more.
func (g *modGen) blockExpr(t wasm.ValType, d int) {
	params := g.randTypes(3)
	results := append([]wasm.ValType{t}, g.randTypes(2)...)
	loop := g.chance(3)
	g.exprs(params, d-1)
	if loop {
		g.op(0x03)
	} else {
		g.op(0x02)
	}
	g.s(int64(g.typeIndex(params, results)))
	lt := results
	if loop {
		lt = params
	}
	g.f.labels = append(g.f.labels, label{types: lt})
	if loop {
		// Keep the parameters for the branch back, spend fuel.
		for i := len(params) - 1; i >= 0; i-- {
			g.op(0x1a)
		}
		g.fuel(globalLoops)
		if g.chance(2) {
			g.exprs(params, d-1)
			g.cond(d - 1)
			g.op(0x0d, 0x00)
			for range params {
				g.op(0x1a)
			}
		}
	} else {
		for range params {
			g.op(0x1a)
		}
		if g.chance(2) {
			g.branchIf(d - 1)
		}
	}
	if g.f.budget > 0 && g.chance(2) {
		g.f.budget--
		g.stmt(maxNestDepth - 1)
	}
	g.exprs(results, d-1)
	g.op(0x0b)
	g.f.labels = g.f.labels[:len(g.f.labels)-1]
	// Keep the first result.
	for range results[1:] {
		g.op(0x1a)
	}
}

// encode writes the module: sections in their required order.
func (g *modGen) encode(wrapped []int, start []byte) []byte {
	var mod []byte
	mod = append(mod, 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00)
	section := func(id byte, body []byte) {
		mod = append(mod, id)
		mod = binary.AppendUvarint(mod, uint64(len(body)))
		mod = append(mod, body...)
	}
	vec := func(b []byte, n int) []byte { return binary.AppendUvarint(b, uint64(n)) }
	name := func(b []byte, s string) []byte { return append(vec(b, len(s)), s...) }
	ndef := len(g.funcs) - numImports
	nwrap := len(wrapped)
	startIdx := -1
	if start != nil {
		startIdx = len(g.funcs) + nwrap
	}
	// The start function's type is registered before the type section.
	emptyType := g.typeIndex(nil, nil)

	var b []byte
	b = vec(b, len(g.types))
	for _, t := range g.types {
		b = append(b, 0x60)
		b = vec(b, len(t.Params))
		for _, p := range t.Params {
			b = append(b, byte(p))
		}
		b = vec(b, len(t.Results))
		for _, r := range t.Results {
			b = append(b, byte(r))
		}
	}
	section(1, b)

	b = vec(nil, numImports)
	for i, n := range []string{"log-i32", "log-i64", "log-f32", "log-f64", "log-many"} {
		b = name(b, "fuzzing-support")
		b = name(b, n)
		b = append(b, 0x00)
		b = binary.AppendUvarint(b, uint64(g.funcs[i].typeIdx))
	}
	section(2, b)

	nfuncs := ndef + nwrap
	if start != nil {
		nfuncs++
	}
	b = vec(nil, nfuncs)
	for i := range ndef {
		b = binary.AppendUvarint(b, uint64(g.funcs[numImports+i].typeIdx))
	}
	for _, j := range wrapped {
		b = binary.AppendUvarint(b, uint64(g.funcs[j].typeIdx))
	}
	if start != nil {
		b = binary.AppendUvarint(b, uint64(emptyType))
	}
	section(3, b)

	b = vec(nil, 2)
	b = append(b, 0x70, 0x01)
	b = binary.AppendUvarint(b, uint64(g.tsize[0]))
	b = binary.AppendUvarint(b, table0Max)
	b = append(b, 0x70, 0x00)
	b = binary.AppendUvarint(b, uint64(g.tsize[1]))
	section(4, b)

	b = vec(nil, 1)
	b = append(b, 0x01, 0x01, maxMemPages)
	section(5, b)

	b = vec(nil, len(g.globals))
	for i, t := range g.globals {
		b = append(b, byte(t), 0x01)
		f := &funcGen{}
		g.f = f
		switch i {
		case globalCalls:
			g.constOf(t, callFuel)
		case globalLoops:
			g.constOf(t, loopFuel)
		default:
			g.constLeaf(t)
		}
		g.f = nil
		b = append(b, f.b...)
		b = append(b, 0x0b)
	}
	section(6, b)

	var exports [][]byte
	for k := range wrapped {
		e := name(nil, "run"+itoa(k))
		e = append(e, 0x00)
		exports = append(exports, binary.AppendUvarint(e, uint64(len(g.funcs)+k)))
	}
	exports = append(exports, append(name(nil, "memory"), 0x02, 0x00))
	for i := 2; i < len(g.globals); i++ {
		if g.globals[i] == wasm.V128 {
			continue // the reference's API reads only a v128 global's low half
		}
		e := append(name(nil, "g"+itoa(i)), 0x03)
		exports = append(exports, binary.AppendUvarint(e, uint64(i)))
	}
	b = vec(nil, len(exports))
	for _, e := range exports {
		b = append(b, e...)
	}
	section(7, b)

	if start != nil {
		section(8, binary.AppendUvarint(nil, uint64(startIdx)))
	}

	funcIdx := func() uint64 { return uint64(numImports + g.pick(ndef)) }
	b = vec(nil, numElemSegs)
	b = append(b, 0x00, 0x41, 0x00, 0x0b) // table 0 at 0
	b = vec(b, g.tsize[0])
	for range g.tsize[0] {
		b = binary.AppendUvarint(b, funcIdx())
	}
	b = append(b, 0x02, 0x01, 0x41, 0x00, 0x0b, 0x00) // table 1 at 0
	n1 := g.pick(g.tsize[1] + 1)
	b = vec(b, n1)
	for range n1 {
		b = binary.AppendUvarint(b, funcIdx())
	}
	b = append(b, 0x01, 0x00) // passive
	b = vec(b, 6)
	for range 6 {
		b = binary.AppendUvarint(b, funcIdx())
	}
	b = append(b, 0x03, 0x00) // declarative: every defined function, for ref.func
	b = vec(b, ndef)
	for i := range ndef {
		b = binary.AppendUvarint(b, uint64(numImports+i))
	}
	section(9, b)

	section(12, binary.AppendUvarint(nil, numDataSegs))

	b = vec(nil, nfuncs)
	bodies := slices.Clone(g.bodies)
	for _, j := range wrapped {
		sig := g.funcs[j]
		var w []byte
		w = append(w, 0x41)
		w = appendSleb(w, callFuel)
		w = append(w, 0x24, globalCalls, 0x41)
		w = appendSleb(w, loopFuel)
		w = append(w, 0x24, globalLoops)
		for p := range sig.params {
			w = append(w, 0x20)
			w = binary.AppendUvarint(w, uint64(p))
		}
		w = append(w, 0x10)
		w = binary.AppendUvarint(w, uint64(j))
		w = append(w, 0x0b)
		bodies = append(bodies, appendLocals(nil, w))
	}
	if start != nil {
		bodies = append(bodies, start)
	}
	for _, body := range bodies {
		b = binary.AppendUvarint(b, uint64(len(body)))
		b = append(b, body...)
	}
	section(10, b)

	b = vec(nil, numDataSegs)
	for i := range numDataSegs {
		data := make([]byte, g.pick(48))
		for k := range data {
			data[k] = byte(g.rnd.Uint32())
		}
		switch i {
		case 0:
			b = append(b, 0x00, 0x41)
			b = appendSleb(b, int64(g.pick(1024)))
			b = append(b, 0x0b)
		case 1:
			off := 65536 - len(data)
			if g.chance(20) {
				off++ // out of bounds: instantiation traps
			}
			b = append(b, 0x00, 0x41)
			b = appendSleb(b, int64(off))
			b = append(b, 0x0b)
		default:
			b = append(b, 0x01)
		}
		b = vec(b, len(data))
		b = append(b, data...)
	}
	section(11, b)
	return mod
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
