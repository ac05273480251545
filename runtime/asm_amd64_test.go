package runtime

import (
	"encoding/binary"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	golangasm "github.com/twitchyliquid64/golang-asm"
	"github.com/twitchyliquid64/golang-asm/obj"
	"github.com/twitchyliquid64/golang-asm/obj/x86"

	"github.com/wasiaot/wasiaot/runtime/abi"
	"github.com/wasiaot/wasiaot/runtime/artifact"
	"github.com/wasiaot/wasiaot/runtime/trap"
)

// The tests build artifacts by hand: functions written in assembly that
// follow docs/abi.md and docs/calling-convention.md, one entry stub per
// type, trap sites recorded like the backend records them.

var none obj.Addr

func reg(r int16) obj.Addr { return obj.Addr{Type: obj.TYPE_REG, Reg: r} }
func imm(v int64) obj.Addr { return obj.Addr{Type: obj.TYPE_CONST, Offset: v} }
func mem(r int16, off int64) obj.Addr {
	return obj.Addr{Type: obj.TYPE_MEM, Reg: r, Offset: off}
}
func memIdx(base, index int16, off int64) obj.Addr {
	return obj.Addr{Type: obj.TYPE_MEM, Reg: base, Index: index, Scale: 1, Offset: off}
}

type fixup struct {
	p     *obj.Prog
	label string
	size  int64 // instruction length; its last 4 bytes are a rel32
}

type asm struct {
	t       testing.TB
	b       *golangasm.Builder
	labels  map[string]*obj.Prog
	pending []string
	jumps   []fixup
	rels    []fixup
	n       int
}

func newAsm(t testing.TB) *asm {
	b, err := golangasm.NewBuilder("amd64", 1024)
	require.NoError(t, err)
	return &asm{t: t, b: b, labels: map[string]*obj.Prog{}}
}

func (a *asm) op(as obj.As, from, to obj.Addr) *obj.Prog {
	p := a.b.NewProg()
	p.As, p.From, p.To = as, from, to
	for _, l := range a.pending {
		a.labels[l] = p
	}
	a.pending = nil
	a.b.AddInstruction(p)
	return p
}

func (a *asm) label(name string) { a.pending = append(a.pending, name) }

// fresh returns a label name not used before.
func (a *asm) fresh() string {
	a.n++
	return "L" + strconv.Itoa(a.n)
}

func (a *asm) jump(as obj.As, label string) {
	p := a.op(as, none, obj.Addr{Type: obj.TYPE_BRANCH})
	a.jumps = append(a.jumps, fixup{p, label, 0})
}

func (a *asm) bytes(bs ...int64) *obj.Prog {
	var first *obj.Prog
	for _, b := range bs {
		p := a.op(x86.ABYTE, imm(b), none)
		if first == nil {
			first = p
		}
	}
	return first
}

// leaR11 is LEAQ label(RIP), R11.
func (a *asm) leaR11(label string) {
	p := a.bytes(0x4c, 0x8d, 0x1d, 0, 0, 0, 0)
	a.rels = append(a.rels, fixup{p, label, 7})
}

// callRel is CALL label (rel32).
func (a *asm) callRel(label string) {
	p := a.bytes(0xe8, 0, 0, 0, 0)
	a.rels = append(a.rels, fixup{p, label, 5})
}

// exit is the host-call sequence: import function index or a builtin.
func (a *asm) exit(index uint32) {
	resume := a.fresh()
	a.op(x86.AMOVL, imm(int64(int32(index))), mem(x86.REG_R15, abi.VMCtxExitArg))
	a.leaR11(resume)
	a.op(obj.AJMP, none, mem(x86.REG_R15, abi.VMCtxHostCallStub))
	a.label(resume)
}

// trap is an explicit trap; it returns the label of the trap PC.
func (a *asm) trap() string {
	a.op(obj.ACALL, none, mem(x86.REG_R15, abi.VMCtxTrapStub))
	l := a.fresh()
	a.label(l)
	a.op(x86.AINT, imm(3), none)
	return l
}

// poll is the preemption/interrupt poll with its slow path out of line
// (emitted right away behind a jump).
func (a *asm) poll() {
	top, slow, done := a.fresh(), a.fresh(), a.fresh()
	a.label(top)
	a.op(x86.AMOVQ, mem(x86.REG_R15, abi.VMCtxG), reg(x86.REG_R11))
	a.op(x86.ACMPQ, mem(x86.REG_R11, abi.GStackGuard0Offset), imm(-1314))
	a.jump(x86.AJEQ, slow)
	a.op(x86.ACMPL, mem(x86.REG_R15, abi.VMCtxInterrupt), imm(0))
	a.jump(x86.AJNE, slow)
	a.jump(obj.AJMP, done)
	a.label(slow)
	a.leaR11(top)
	a.op(obj.AJMP, none, mem(x86.REG_R15, abi.VMCtxPreemptStub))
	a.label(done)
}

// args loads the args buffer address into r.
func (a *asm) args(r int16) { a.op(x86.AMOVQ, mem(x86.REG_R15, abi.VMCtxArgs), reg(r)) }

func (a *asm) assemble() ([]byte, map[string]uint32) {
	if len(a.pending) > 0 {
		a.op(x86.AINT, imm(3), none)
	}
	for _, j := range a.jumps {
		target, ok := a.labels[j.label]
		require.True(a.t, ok, "label %s", j.label)
		j.p.To.SetTarget(target)
	}
	code := a.b.Assemble()
	offs := map[string]uint32{}
	for name, p := range a.labels {
		offs[name] = uint32(p.Pc)
	}
	for _, r := range a.rels {
		target := a.labels[r.label]
		disp := int32(target.Pc - (r.p.Pc + r.size))
		binary.LittleEndian.PutUint32(code[r.p.Pc+r.size-4:], uint32(disp))
	}
	return code, offs
}

var (
	intArgs   = []int16{x86.REG_DI, x86.REG_SI, x86.REG_DX, x86.REG_CX, x86.REG_R8, x86.REG_R9}
	floatArgs = []int16{x86.REG_X0, x86.REG_X1, x86.REG_X2, x86.REG_X3}
	intRes    = []int16{x86.REG_AX, x86.REG_DX}
	floatRes  = []int16{x86.REG_X0, x86.REG_X1}
)

func movFor(t artifact.ValType) obj.As {
	switch t {
	case artifact.I32:
		return x86.AMOVL
	case artifact.F32:
		return x86.AMOVSS
	case artifact.F64:
		return x86.AMOVSD
	case artifact.V128:
		return x86.AMOVUPS
	}
	return x86.AMOVQ
}

func isFloat(t artifact.ValType) bool {
	return t == artifact.F32 || t == artifact.F64 || t == artifact.V128
}

// entryStub loads the params from the args buffer, calls EntryTarget and
// stores the results.
func (a *asm) entryStub(ft artifact.FuncType, l abi.Layout) {
	a.args(x86.REG_AX)
	ni, nf := 0, 0
	for i, p := range ft.Params {
		var r int16
		if isFloat(p) {
			r, nf = floatArgs[nf], nf+1
		} else {
			r, ni = intArgs[ni], ni+1
		}
		a.op(movFor(p), mem(x86.REG_AX, int64(i*abi.ArgSlotSize)), reg(r))
	}
	a.op(x86.ASUBQ, imm(8), reg(x86.REG_SP))
	a.op(obj.ACALL, none, mem(x86.REG_R15, int64(l.EntryTarget)))
	a.op(x86.AADDQ, imm(8), reg(x86.REG_SP))
	a.args(x86.REG_CX)
	ni, nf = 0, 0
	for i, p := range ft.Results {
		var r int16
		if isFloat(p) {
			r, nf = floatRes[nf], nf+1
		} else {
			r, ni = intRes[ni], ni+1
		}
		a.op(movFor(p), reg(r), mem(x86.REG_CX, int64(i*abi.ArgSlotSize)))
	}
	a.op(obj.ARET, none, none)
}

// builder assembles a whole artifact.
type builder struct {
	t      testing.TB
	l      abi.Layout // the final layout (garbage in the first pass)
	a      *asm
	m      artifact.Module
	funcs  []string // start label of each defined function
	traps  []pendingSite
	names  []artifact.FuncName
	rodata []byte
}

type pendingSite struct {
	label      string
	kind       trap.Kind
	fn         uint32
	wasmOffset uint32
}

// buildArtifact runs def twice: once to learn the module's shape, then with
// b.l set to the final layout so that code can use module-area offsets.
func buildArtifact(t testing.TB, def func(b *builder)) *artifact.Artifact {
	b := &builder{t: t, a: newAsm(t)}
	def(b)
	l := b.layout()
	b = &builder{t: t, a: newAsm(t), l: l}
	def(b)
	require.Equal(t, l, b.layout())
	return b.artifact()
}

// build returns the bytes of buildArtifact's artifact.
func build(t testing.TB, def func(b *builder)) []byte {
	out, err := artifact.Marshal(buildArtifact(t, def))
	require.NoError(t, err)
	return out
}

func (b *builder) typ(params, results []artifact.ValType) uint32 {
	for i, t := range b.m.Types {
		if string(valBytes(t.Params)) == string(valBytes(params)) && string(valBytes(t.Results)) == string(valBytes(results)) {
			return uint32(i)
		}
	}
	b.m.Types = append(b.m.Types, artifact.FuncType{Params: params, Results: results})
	return uint32(len(b.m.Types) - 1)
}

func (b *builder) importFunc(mod, name string, params, results []artifact.ValType) uint32 {
	b.m.Imports = append(b.m.Imports, artifact.Import{Module: mod, Name: name, Kind: artifact.KindFunc, TypeIndex: b.typ(params, results)})
	return b.m.NumImportedFuncs() - 1
}

func (b *builder) importOther(im artifact.Import) { b.m.Imports = append(b.m.Imports, im) }

// fn adds a defined function; body emits its code. It returns the function
// index; the function is exported under name when export is set.
func (b *builder) fn(name string, params, results []artifact.ValType, export bool, body func(a *asm, idx uint32)) uint32 {
	idx := b.m.NumImportedFuncs() + uint32(len(b.m.Funcs))
	b.m.Funcs = append(b.m.Funcs, artifact.Func{TypeIndex: b.typ(params, results)})
	start := "func:" + name
	b.a.label(start)
	b.funcs = append(b.funcs, start)
	body(b.a, idx)
	b.a.op(x86.AINT, imm(3), none) // keeps labels at the end inside the function
	b.names = append(b.names, artifact.FuncName{Index: idx, Name: name})
	if export {
		b.export(name, artifact.KindFunc, idx)
	}
	return idx
}

// site records a trap site at label inside function fn.
func (b *builder) site(label string, kind trap.Kind, fn, wasmOffset uint32) {
	b.traps = append(b.traps, pendingSite{label, kind, fn, wasmOffset})
}

func (b *builder) export(name string, k artifact.ExternKind, idx uint32) {
	b.m.Exports = append(b.m.Exports, artifact.Export{Name: name, Kind: k, Index: idx})
}

func (b *builder) shape() abi.ModuleShape {
	s := abi.ModuleShape{HeaderSize: abi.VMCtxHeaderSize}
	s.NumTypes = uint32(len(b.m.Types))
	s.NumFuncs = b.m.NumImportedFuncs() + uint32(len(b.m.Funcs))
	for _, im := range b.m.Imports {
		switch im.Kind {
		case artifact.KindGlobal:
			s.NumGlobals++
		case artifact.KindTable:
			s.NumTables++
		case artifact.KindMemory:
			s.HasMemory = true
		}
	}
	s.NumGlobals += uint32(len(b.m.Globals))
	s.NumTables += uint32(len(b.m.Tables))
	s.HasMemory = s.HasMemory || len(b.m.Memories) > 0
	return s
}

// layout is the module area layout; valid once every type, function,
// global and table is declared.
func (b *builder) layout() abi.Layout {
	l, err := abi.NewLayout(b.shape())
	require.NoError(b.t, err)
	return l
}

// artifact emits an entry stub per type and finishes the artifact.
func (b *builder) artifact() *artifact.Artifact {
	l := b.layout()
	stubs := make([]string, len(b.m.Types))
	for i, ft := range b.m.Types {
		stubs[i] = "entry:" + strconv.Itoa(i)
		b.a.label(stubs[i])
		b.a.entryStub(ft, l)
	}
	b.a.label("end")
	b.a.op(x86.AINT, imm(3), none)
	text, offs := b.a.assemble()
	m := b.m
	for i := range m.Funcs {
		m.Funcs[i].Offset = offs[b.funcs[i]]
		end := offs[stubs[0]]
		if i+1 < len(b.funcs) {
			end = offs[b.funcs[i+1]]
		}
		m.Funcs[i].Size = end - m.Funcs[i].Offset
	}
	m.FuncNames = b.names
	art := &artifact.Artifact{
		Header: artifact.Header{CompilerVersion: "runtime test", Arch: artifact.ArchAMD64, ABIVersion: abi.Version},
		Module: m,
		Text:   text,
		Rodata: b.rodata,
	}
	for _, s := range stubs {
		art.Code.EntryStubs = append(art.Code.EntryStubs, offs[s])
	}
	for _, s := range b.traps {
		art.Code.Traps = append(art.Code.Traps, artifact.Site{Offset: offs[s.label], Kind: s.kind, Func: s.fn, WasmOffset: s.wasmOffset})
	}
	sortSites(art.Code.Traps)
	return art
}

func sortSites(s []artifact.Site) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].Offset < s[j-1].Offset; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// builtin stores regs into args slots 0.. and exits to builtin bi; the
// result is left in AX.
func (a *asm) builtin(bi abi.Builtin, regs ...int16) {
	a.args(x86.REG_R10)
	for i, r := range regs {
		a.op(x86.AMOVQ, reg(r), mem(x86.REG_R10, int64(i*abi.ArgSlotSize)))
	}
	a.exit(abi.BuiltinBase + uint32(bi))
	a.args(x86.REG_AX)
	a.op(x86.AMOVQ, mem(x86.REG_AX, 0), reg(x86.REG_AX))
}

// callIndirect emits the call_indirect sequence of docs/abi.md for a
// function of type typ () -> i32 in table tab at index DI, with its three
// trap sites, then returns the callee's result.
func (b *builder) callIndirect(a *asm, fn, tab, typ uint32) {
	inb, nonnull, typeok, local := a.fresh(), a.fresh(), a.fresh(), a.fresh()
	a.op(x86.ASUBQ, imm(8), reg(x86.REG_SP))
	a.op(x86.AMOVQ, mem(x86.REG_R15, int64(b.l.TableOffset(tab))), reg(x86.REG_AX))
	a.op(x86.AMOVL, reg(x86.REG_DI), reg(x86.REG_DI))
	a.op(x86.ACMPL, reg(x86.REG_DI), mem(x86.REG_AX, abi.TableDescLen))
	a.jump(x86.AJCS, inb)
	b.site(a.trap(), trap.TableOutOfBounds, fn, 0x10)
	a.label(inb)
	a.op(x86.AMOVQ, mem(x86.REG_AX, abi.TableDescElems), reg(x86.REG_AX))
	a.op(x86.AMOVQ, obj.Addr{Type: obj.TYPE_MEM, Reg: x86.REG_AX, Index: x86.REG_DI, Scale: 8}, reg(x86.REG_AX))
	a.op(x86.ATESTQ, reg(x86.REG_AX), reg(x86.REG_AX))
	a.jump(x86.AJNE, nonnull)
	b.site(a.trap(), trap.UninitializedElement, fn, 0x11)
	a.label(nonnull)
	a.op(x86.AMOVL, mem(x86.REG_AX, abi.FuncRefTypeID), reg(x86.REG_CX))
	a.op(x86.ACMPL, reg(x86.REG_CX), mem(x86.REG_R15, int64(b.l.TypeIDOffset(typ))))
	a.jump(x86.AJEQ, typeok)
	b.site(a.trap(), trap.IndirectCallTypeMismatch, fn, 0x12)
	a.label(typeok)
	a.op(x86.ACMPQ, mem(x86.REG_AX, abi.FuncRefVMCtx), reg(x86.REG_R15))
	a.jump(x86.AJEQ, local)
	a.builtin(abi.BuiltinCallRef, x86.REG_AX)
	a.op(x86.AADDQ, imm(8), reg(x86.REG_SP))
	a.op(obj.ARET, none, none)
	a.label(local)
	a.op(obj.ACALL, none, mem(x86.REG_AX, abi.FuncRefCode))
	a.op(x86.AADDQ, imm(8), reg(x86.REG_SP))
	a.op(obj.ARET, none, none)
}

// constFn emits a function () -> i32 returning v.
func (b *builder) constFn(name string, v int64, export bool) uint32 {
	return b.fn(name, nil, vt(artifact.I32), export, func(a *asm, _ uint32) {
		a.op(x86.AMOVL, imm(v), reg(x86.REG_AX))
		a.op(obj.ARET, none, none)
	})
}
