//go:build linux

package arm64

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"math/rand"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/backend/arm64/internal/exectest"
	"github.com/wasiaot/wasiaot/compiler/lower"
	"github.com/wasiaot/wasiaot/compiler/opt"
	"github.com/wasiaot/wasiaot/compiler/validate"
	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/compiler/wat"
	"github.com/wasiaot/wasiaot/runtime/abi"
)

// Exit codes of the harness.
const (
	exitReturn  = exectest.ExitReturn
	exitTrap    = exectest.ExitTrap
	exitPreempt = exectest.ExitPreempt
)

// instance is a module compiled by this backend and loaded by the
// harness: its code, vmctx, linear memory (one page in an 8 GiB
// reservation) and native stack.
type instance struct {
	t       *testing.T
	m       *wasm.Module
	layout  abi.Layout
	text    []byte
	funcOff []uint32 // per defined function
	stubOff map[uint32]uint32
	vmctx   []byte
	args    []byte
	mem     []byte
	stack   []byte
	g       []byte // a stand-in for the goroutine: stackguard0 at 16
	traps   map[uint32]TrapSite
}

func mmap(t *testing.T, size int, prot int) []byte {
	b, err := syscall.Mmap(-1, 0, size, prot, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	require.NoError(t, err)
	t.Cleanup(func() { syscall.Munmap(b) })
	return b
}

func addr(b []byte) uintptr { return uintptr(unsafe.Pointer(&b[0])) }

func compileWat(t *testing.T, src string) *instance {
	bin, err := wat.Parse([]byte(src), wasm.FeaturesV2)
	require.NoError(t, err)
	m, err := wasm.Decode(bin, wasm.FeaturesV2)
	require.NoError(t, err)
	require.NoError(t, validate.Validate(m, wasm.FeaturesV2))
	layout, err := abi.NewLayout(abi.ModuleShape{HeaderSize: abi.ARM64VMCtxHeaderSize,
		NumTypes: uint32(len(m.Types)), NumFuncs: uint32(m.NumFuncs()), NumGlobals: uint32(m.NumGlobals()),
		NumTables: uint32(m.NumTables()), HasMemory: m.NumMemories() > 0,
	})
	require.NoError(t, err)
	mi := &ModuleInfo{Layout: layout, NumImportedFuncs: uint32(m.NumImportedFuncs())}
	for i := 0; i < m.NumGlobals(); i++ {
		mi.GlobalImported = append(mi.GlobalImported, i < m.NumImportedGlobals())
	}
	in := &instance{t: t, m: m, layout: layout, stubOff: map[uint32]uint32{}, traps: map[uint32]TrapSite{}}
	low := lower.NewLowerer(m, lower.Options{Workers: 1})
	sel, alloc := NewSelector(mi), NewAllocator()
	alloc.Check = true
	nimp := uint32(m.NumImportedFuncs())
	var text []byte
	pad := func() {
		for len(text)%16 != 0 {
			text = append(text, 0, 0, 0, 0)
		}
	}
	var codes []*Code
	for idx := nimp; idx < uint32(m.NumFuncs()); idx++ {
		f, err := low.Lower(idx)
		require.NoError(t, err)
		opt.Pipeline(f, 2, nil)
		mf, err := sel.Select(f)
		require.NoError(t, err)
		require.NoError(t, alloc.Allocate(mf))
		c, err := Emit(mf)
		require.NoError(t, err)
		pad()
		in.funcOff = append(in.funcOff, uint32(len(text)))
		text = append(text, c.Bytes...)
		codes = append(codes, c)
	}
	for i, c := range codes {
		for _, cs := range c.Relocs {
			require.NoError(t, PatchCall(text, in.funcOff[i]+uint32(cs.Offset), in.funcOff[uint32(cs.Func)-nimp]))
		}
		for _, ts := range c.Traps {
			in.traps[in.funcOff[i]+uint32(ts.Offset)] = ts
		}
	}
	for _, e := range m.Exports {
		if e.Kind != wasm.ExternFunc {
			continue
		}
		ti, _ := m.FuncTypeIndex(e.Index)
		sig := lower.Signature(&m.Types[ti])
		f, err := EntryStub("entry", &sig, layout.EntryTarget)
		require.NoError(t, err)
		require.NoError(t, alloc.Allocate(f))
		c, err := Emit(f)
		require.NoError(t, err)
		pad()
		in.stubOff[e.Index] = uint32(len(text))
		text = append(text, c.Bytes...)
	}
	code := mmap(t, (len(text)+0xffff)&^0xffff, syscall.PROT_READ|syscall.PROT_WRITE)
	copy(code, text)
	require.NoError(t, syscall.Mprotect(code, syscall.PROT_READ|syscall.PROT_EXEC))
	in.text = code
	in.vmctx = mmap(t, (int(layout.Size)+0xfff)&^0xfff, syscall.PROT_READ|syscall.PROT_WRITE)
	in.args = mmap(t, 4096, syscall.PROT_READ|syscall.PROT_WRITE)
	in.stack = mmap(t, 1<<20, syscall.PROT_READ|syscall.PROT_WRITE)
	in.g = mmap(t, 4096, syscall.PROT_READ|syscall.PROT_WRITE)
	if m.NumMemories() > 0 {
		res := mmap(t, int(abi.MemoryReservation), syscall.PROT_NONE)
		require.NoError(t, syscall.Mprotect(res[:65536], syscall.PROT_READ|syscall.PROT_WRITE))
		in.mem = res[:65536]
		in.put(abi.VMCtxMemoryBase, uint64(addr(res)))
		in.put(abi.VMCtxMemoryLen, 65536)
	}
	trap, preempt, host := exectest.StubAddrs()
	in.put(abi.VMCtxG, uint64(addr(in.g)))
	in.put(abi.VMCtxTrapStub, uint64(trap))
	in.put(abi.VMCtxPreemptStub, uint64(preempt))
	in.put(abi.VMCtxHostCallStub, uint64(host))
	in.put(abi.VMCtxArgs, uint64(addr(in.args)))
	in.put(layout.MemoryOwner, uint64(addr(in.vmctx)))
	return in
}

func (in *instance) put(off uint32, v uint64) { binary.LittleEndian.PutUint64(in.vmctx[off:], v) }
func (in *instance) get(off uint32) uint64    { return binary.LittleEndian.Uint64(in.vmctx[off:]) }

// call runs the exported function name with raw 64-bit arguments and
// returns its raw results and the harness exit code.
func (in *instance) call(name string, args ...uint64) ([]uint64, int) {
	var idx uint32
	found := false
	for _, e := range in.m.Exports {
		if e.Name == name && e.Kind == wasm.ExternFunc {
			idx, found = e.Index, true
		}
	}
	require.True(in.t, found, "no export %q", name)
	for i, a := range args {
		binary.LittleEndian.PutUint64(in.args[16*i:], a)
	}
	base := addr(in.text)
	in.put(in.layout.EntryTarget, uint64(base)+uint64(in.funcOff[idx-uint32(in.m.NumImportedFuncs())]))
	code := exectest.Call(base+uintptr(in.stubOff[idx]), addr(in.vmctx), addr(in.stack)+uintptr(len(in.stack)))
	ti, _ := in.m.FuncTypeIndex(idx)
	sig := in.m.Types[ti]
	res := make([]uint64, len(sig.Results))
	for i := range res {
		res[i] = binary.LittleEndian.Uint64(in.args[16*i:])
	}
	return res, int(code)
}

// trapCode returns the trap code of the last explicit trap.
func (in *instance) trapCode() uint32 {
	pc := in.get(exectest.TrapPC) - uint64(addr(in.text))
	ts, ok := in.traps[uint32(pc)]
	require.True(in.t, ok, "trap PC %#x is not a trap site", pc)
	return uint32(ts.Kind)
}

func f32(x float32) uint64 { return uint64(math.Float32bits(x)) }
func f64(x float64) uint64 { return math.Float64bits(x) }

func TestExecIntegers(t *testing.T) {
	in := compileWat(t, `(module
  (func $fac (export "fac") (param i64) (result i64)
    (if (result i64) (i64.le_u (local.get 0) (i64.const 1))
      (then (i64.const 1))
      (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1)))))))
  (func (export "sum") (param i32) (result i32) (local i32)
    (block (loop
      (br_if 1 (i32.eqz (local.get 0)))
      (local.set 1 (i32.add (local.get 1) (local.get 0)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br 0)))
    (local.get 1))
  (func (export "ops") (param i32 i32) (result i32)
    (i32.xor (i32.rotl (local.get 0) (local.get 1))
      (i32.add (i32.shl (local.get 0) (i32.const 3)) (i32.popcnt (local.get 1)))))
  (func (export "ops64") (param i64 i64) (result i64)
    (i64.add (i64.rotr (local.get 0) (local.get 1))
      (i64.sub (i64.clz (local.get 0)) (i64.ctz (local.get 1)))))
  (func (export "div_s") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "rem_s") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
  (func (export "div_u64") (param i64 i64) (result i64) (i64.div_u (local.get 0) (local.get 1)))
  (func (export "rem_u64") (param i64 i64) (result i64) (i64.rem_u (local.get 0) (local.get 1)))
  (func (export "ext") (param i32) (result i64) (i64.extend_i32_u (local.get 0)))
  (func (export "exts") (param i32) (result i64) (i64.extend_i32_s (local.get 0)))
  (func (export "wrap_ext") (param i64) (result i64) (i64.extend_i32_u (i32.wrap_i64 (local.get 0))))
  (func (export "sel") (param i32 i32 i32) (result i32)
    (select (local.get 0) (local.get 1) (i32.lt_s (local.get 2) (i32.const 10))))
  (func (export "cmp") (param i64 i64) (result i32)
    (i32.add (i64.gt_u (local.get 0) (local.get 1)) (i32.shl (i64.lt_s (local.get 0) (local.get 1)) (i32.const 1))))
  (func (export "big") (result i64) (i64.add (i64.const 0x123456789abcdef0) (i64.const -5)))
  (func (export "many") (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
    (i32.add (local.get 0) (i32.mul (local.get 8) (local.get 9))))
  (func (export "callmany") (result i32)
    (call 14 (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5)
             (i32.const 6) (i32.const 7) (i32.const 8) (i32.const 9) (i32.const 10)))
  (func (export "br_table") (param i32) (result i32)
    (block (block (block (block (block (block (block
      (br_table 0 1 2 3 4 5 6 (local.get 0)))
      (return (i32.const 10))) (return (i32.const 11))) (return (i32.const 12)))
      (return (i32.const 13))) (return (i32.const 14))) (return (i32.const 15)))
    (i32.const 16))
)`)
	check := func(name string, want uint64, args ...uint64) {
		t.Helper()
		res, code := in.call(name, args...)
		require.Equal(t, exitReturn, code, name)
		require.Equal(t, want, res[0], "%s%v", name, args)
	}
	check32 := func(name string, want uint32, args ...uint64) {
		t.Helper()
		res, code := in.call(name, args...)
		require.Equal(t, exitReturn, code, name)
		require.Equal(t, want, uint32(res[0]), "%s%v", name, args)
	}
	check("fac", 3628800, 10)
	check("fac", 2432902008176640000, 20)
	check32("sum", 5050, 100)
	check32("sum", 0, 0)
	x, y := uint32(0x8000_0013), uint32(37)
	check32("ops", bits.RotateLeft32(x, int(y))^(x<<3+uint32(bits.OnesCount32(y))), uint64(x), uint64(y))
	a64 := uint64(0x123456789abcdef0)
	check("ops64", bits.RotateLeft64(a64, -13)+uint64(bits.LeadingZeros64(a64)-bits.TrailingZeros64(77)), a64, 77)
	check32("div_s", uint32(0xfffffffd), uint64(uint32(0xfffffff7)&0xffffffff), 3)
	check32("rem_s", 0, 0x80000000, 0xffffffff)
	check32("rem_s", uint32(0xffffffff), uint64(uint32(0xfffffff9)), 3)
	check("div_u64", 0x7fffffffffffffff, 0xffffffffffffffff, 2)
	check("rem_u64", 1, 0xffffffffffffffff, 2)
	check("ext", 0xffffffff, 0xdead_beef_ffff_ffff)
	check("exts", 0xffffffff_fffffffe, 0x1234_5678_ffff_fffe)
	check("wrap_ext", 0x9abcdef0, 0x12345678_9abcdef0)
	check32("sel", 7, 7, 8, 9)
	check32("sel", 8, 7, 8, 10)
	check32("cmp", 1, 5, 3)
	check32("cmp", 3, 0xffffffffffffffff, 1)
	check32("cmp", 2, 1, 2)
	check("big", 0x123456789abcdeeb)
	check32("many", 1+9*10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
	check32("callmany", 91)
	for i, want := range []uint32{10, 11, 12, 13, 14, 15, 16, 16, 16} {
		check32("br_table", want, uint64(i))
	}
	check32("br_table", 16, 0xffffffff)

	_, code := in.call("div_s", 1, 0)
	require.Equal(t, exitTrap, code)
	require.EqualValues(t, 2, in.trapCode()) // integer divide by zero
	_, code = in.call("div_s", 0x80000000, 0xffffffff)
	require.Equal(t, exitTrap, code)
	require.EqualValues(t, 3, in.trapCode()) // integer overflow
}

func TestExecFloats(t *testing.T) {
	in := compileWat(t, `(module
  (func (export "poly") (param f64 f64) (result f64)
    (f64.add (f64.mul (local.get 0) (local.get 0)) (f64.div (local.get 1) (f64.const 3.14159))))
  (func (export "minmax32") (param f32 f32) (result f32)
    (f32.sub (f32.min (local.get 0) (local.get 1)) (f32.max (local.get 0) (local.get 1))))
  (func (export "min64") (param f64 f64) (result f64) (f64.min (local.get 0) (local.get 1)))
  (func (export "max64") (param f64 f64) (result f64) (f64.max (local.get 0) (local.get 1)))
  (func (export "nearest") (param f64) (result f64) (f64.nearest (local.get 0)))
  (func (export "ceil32") (param f32) (result f32) (f32.ceil (local.get 0)))
  (func (export "floor") (param f64) (result f64) (f64.floor (local.get 0)))
  (func (export "trunc") (param f64) (result f64) (f64.trunc (local.get 0)))
  (func (export "sqrt") (param f64) (result f64) (f64.sqrt (local.get 0)))
  (func (export "copysign") (param f64 f64) (result f64) (f64.copysign (local.get 0) (local.get 1)))
  (func (export "copysign32") (param f32 f32) (result f32) (f32.copysign (local.get 0) (local.get 1)))
  (func (export "neg_abs") (param f32) (result f32) (f32.neg (f32.abs (local.get 0))))
  (func (export "lt") (param f64 f64) (result i32) (f64.lt (local.get 0) (local.get 1)))
  (func (export "le") (param f64 f64) (result i32) (f64.le (local.get 0) (local.get 1)))
  (func (export "ne") (param f32 f32) (result i32) (f32.ne (local.get 0) (local.get 1)))
  (func (export "eq") (param f32 f32) (result i32) (f32.eq (local.get 0) (local.get 1)))
  (func (export "fsel") (param f64 f64 i32) (result f64) (select (local.get 0) (local.get 1) (local.get 2)))
  (func (export "branch") (param f64) (result i32)
    (if (result i32) (f64.ge (local.get 0) (f64.const 0)) (then (i32.const 1)) (else (i32.const 0))))
  (func (export "i32_trunc_f64_s") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
  (func (export "i32_trunc_f32_u") (param f32) (result i32) (i32.trunc_f32_u (local.get 0)))
  (func (export "i64_trunc_f64_u") (param f64) (result i64) (i64.trunc_f64_u (local.get 0)))
  (func (export "i64_trunc_f32_s") (param f32) (result i64) (i64.trunc_f32_s (local.get 0)))
  (func (export "i32_sat_f64_s") (param f64) (result i32) (i32.trunc_sat_f64_s (local.get 0)))
  (func (export "i64_sat_f64_u") (param f64) (result i64) (i64.trunc_sat_f64_u (local.get 0)))
  (func (export "f64_from_u64") (param i64) (result f64) (f64.convert_i64_u (local.get 0)))
  (func (export "f32_from_u32") (param i32) (result f32) (f32.convert_i32_u (local.get 0)))
  (func (export "f64_from_s32") (param i32) (result f64) (f64.convert_i32_s (local.get 0)))
  (func (export "demote") (param f64) (result f32) (f32.demote_f64 (local.get 0)))
  (func (export "promote") (param f32) (result f64) (f64.promote_f32 (local.get 0)))
  (func (export "bits") (param f64) (result i64) (i64.reinterpret_f64 (local.get 0)))
  (func (export "const32") (result f32) (f32.add (f32.const 0.1) (f32.const 1.5)))
)`)
	run := func(name string, args ...uint64) (uint64, int) {
		t.Helper()
		res, code := in.call(name, args...)
		if code != exitReturn {
			return 0, code
		}
		return res[0], code
	}
	r64 := func(name string, args ...uint64) float64 {
		t.Helper()
		r, code := run(name, args...)
		require.Equal(t, exitReturn, code, name)
		return math.Float64frombits(r)
	}
	r32 := func(name string, args ...uint64) float32 {
		t.Helper()
		r, code := run(name, args...)
		require.Equal(t, exitReturn, code, name)
		return math.Float32frombits(uint32(r))
	}
	i32 := func(name string, args ...uint64) uint32 {
		t.Helper()
		r, code := run(name, args...)
		require.Equal(t, exitReturn, code, name)
		return uint32(r)
	}
	nan := math.NaN()
	require.Equal(t, 1.5*1.5+2/3.14159, r64("poly", f64(1.5), f64(2)))
	require.Equal(t, float32(-3), r32("minmax32", f32(1), f32(-2)))
	require.Equal(t, math.Copysign(0, -1), r64("min64", f64(0), f64(math.Copysign(0, -1))))
	require.Equal(t, 0.0, r64("max64", f64(math.Copysign(0, -1)), f64(0)))
	require.False(t, math.Signbit(r64("max64", f64(math.Copysign(0, -1)), f64(0))))
	require.True(t, math.IsNaN(r64("min64", f64(nan), f64(1))))
	require.True(t, math.IsNaN(r64("max64", f64(1), f64(nan))))
	require.Equal(t, 2.0, r64("nearest", f64(2.5)))
	require.Equal(t, -4.0, r64("nearest", f64(-3.5)))
	require.Equal(t, float32(2), r32("ceil32", f32(1.25)))
	require.Equal(t, -2.0, r64("floor", f64(-1.5)))
	require.Equal(t, -1.0, r64("trunc", f64(-1.5)))
	require.Equal(t, 3.0, r64("sqrt", f64(9)))
	require.Equal(t, -2.5, r64("copysign", f64(2.5), f64(-0.0001)))
	require.Equal(t, float32(2.5), r32("copysign32", f32(-2.5), f32(1)))
	require.Equal(t, float32(-7), r32("neg_abs", f32(-7)))
	// Sign and NaN payload pass through neg and abs untouched.
	r, _ := run("neg_abs", uint64(0x7fa00001))
	require.EqualValues(t, 0xffa00001, uint32(r))
	require.EqualValues(t, 1, i32("lt", f64(1), f64(2)))
	require.EqualValues(t, 0, i32("lt", f64(nan), f64(2)))
	require.EqualValues(t, 1, i32("le", f64(2), f64(2)))
	require.EqualValues(t, 0, i32("le", f64(2), f64(nan)))
	require.EqualValues(t, 1, i32("ne", f32(float32(nan)), f32(1)))
	require.EqualValues(t, 0, i32("eq", f32(float32(nan)), f32(float32(nan))))
	require.Equal(t, 1.0, r64("fsel", f64(1), f64(2), 5))
	require.Equal(t, 2.0, r64("fsel", f64(1), f64(2), 0))
	require.EqualValues(t, 1, i32("branch", f64(0)))
	require.EqualValues(t, 0, i32("branch", f64(nan)))
	require.EqualValues(t, uint32(0xfffffffe), i32("i32_trunc_f64_s", f64(-2.9)))
	require.EqualValues(t, uint32(0x7fffffff), i32("i32_trunc_f64_s", f64(2147483647.9)))
	require.EqualValues(t, uint32(0x80000000), i32("i32_trunc_f64_s", f64(-2147483648.9)))
	require.EqualValues(t, uint32(4000000000), i32("i32_trunc_f32_u", f32(4e9)))
	require.EqualValues(t, 0, i32("i32_trunc_f32_u", f32(-0.9)))
	r, _ = run("i64_trunc_f64_u", f64(1.8446744073709550e19))
	require.EqualValues(t, uint64(18446744073709549568), r)
	r, _ = run("i64_trunc_f32_s", f32(-9.2233720368547758e18))
	require.EqualValues(t, uint64(1)<<63, r)
	for _, c := range []struct {
		name string
		arg  uint64
		code uint32
	}{
		{"i32_trunc_f64_s", f64(nan), 4}, {"i32_trunc_f64_s", f64(2147483648), 3},
		{"i32_trunc_f64_s", f64(-2147483649), 3}, {"i32_trunc_f32_u", f32(-1), 3},
		{"i32_trunc_f32_u", f32(4294967296), 3}, {"i64_trunc_f64_u", f64(1.8446744073709552e19), 3},
		{"i64_trunc_f32_s", f32(9.2233720368547758e18), 3}, {"i64_trunc_f32_s", f32(float32(math.Inf(-1))), 3},
	} {
		_, code := in.call(c.name, c.arg)
		require.Equal(t, exitTrap, code, "%s(%#x)", c.name, c.arg)
		require.Equal(t, c.code, in.trapCode(), "%s(%#x)", c.name, c.arg)
	}
	require.EqualValues(t, 0x7fffffff, i32("i32_sat_f64_s", f64(1e10)))
	require.EqualValues(t, 0, i32("i32_sat_f64_s", f64(nan)))
	r, _ = run("i64_sat_f64_u", f64(-5))
	require.EqualValues(t, 0, r)
	r, _ = run("i64_sat_f64_u", f64(1e30))
	require.EqualValues(t, ^uint64(0), r)
	require.Equal(t, 1.8446744073709552e19, r64("f64_from_u64", ^uint64(0)))
	require.Equal(t, float32(4294967295), r32("f32_from_u32", 0xffffffff))
	require.Equal(t, -1.0, r64("f64_from_s32", 0xffffffff))
	require.Equal(t, float32(0.1), r32("demote", f64(0.1)))
	require.Equal(t, float64(float32(0.1)), r64("promote", f32(0.1)))
	r, _ = run("bits", f64(-2))
	require.Equal(t, f64(-2), r)
	require.Equal(t, float32(0.1)+float32(1.5), r32("const32"))
}

func TestExecMemory(t *testing.T) {
	in := compileWat(t, `(module
  (memory 1)
  (global $g (mut i32) (i32.const 5))
  (func (export "fill") (param i32 i32)
    (local i32)
    (block (loop
      (br_if 1 (i32.ge_u (local.get 2) (local.get 1)))
      (i32.store8 offset=3 (i32.add (local.get 0) (local.get 2)) (local.get 2))
      (local.set 2 (i32.add (local.get 2) (i32.const 1)))
      (br 0))))
  (func (export "sum16") (param i32 i32) (result i64)
    (local i64)
    (block (loop
      (br_if 1 (i32.eqz (local.get 1)))
      (local.set 2 (i64.add (local.get 2) (i64.load16_s (local.get 0))))
      (local.set 0 (i32.add (local.get 0) (i32.const 2)))
      (local.set 1 (i32.sub (local.get 1) (i32.const 1)))
      (br 0)))
    (local.get 2))
  (func (export "words") (param i32) (result i64)
    (i64.store offset=8 (local.get 0) (i64.const -1))
    (f64.store offset=16 (local.get 0) (f64.const 2.5))
    (i64.add (i64.load32_u offset=8 (local.get 0))
      (i64.trunc_f64_s (f64.load offset=16 (local.get 0)))))
  (func (export "big_offset") (param i32) (result i32) (i32.load offset=40000 (local.get 0)))
  (func (export "far") (result i32) (i32.load (i32.const 0xfffffff0)))
  (func (export "global") (param i32) (result i32)
    (global.set $g (i32.add (global.get $g) (local.get 0))) (global.get $g))
  (func (export "size") (result i32) (memory.size))
)`)
	// The harness does not initialise globals.
	in.put(in.layout.GlobalOffset(0), 5)
	_, code := in.call("fill", 100, 50)
	require.Equal(t, exitReturn, code)
	for i := range 50 {
		require.EqualValues(t, i, in.mem[103+i])
	}
	binary.LittleEndian.PutUint16(in.mem[1000:], 0xfffe)
	binary.LittleEndian.PutUint16(in.mem[1002:], 7)
	res, code := in.call("sum16", 1000, 2)
	require.Equal(t, exitReturn, code)
	require.EqualValues(t, 5, res[0])
	res, code = in.call("words", 200)
	require.Equal(t, exitReturn, code)
	require.EqualValues(t, 0xffffffff+2, res[0])
	binary.LittleEndian.PutUint32(in.mem[40004:], 0xabcdef)
	res, code = in.call("big_offset", 4)
	require.Equal(t, exitReturn, code)
	require.EqualValues(t, 0xabcdef, uint32(res[0]))
	res, _ = in.call("global", 3)
	require.EqualValues(t, 8, uint32(res[0]))
	res, _ = in.call("global", 4)
	require.EqualValues(t, 12, uint32(res[0]))
	res, _ = in.call("size")
	require.EqualValues(t, 1, uint32(res[0]))
}

// TestExecConstants materialises integer and float constants of every
// shape (logical immediates, one to four halfwords, mostly ones) and
// checks the values the code computes.
func TestExecConstants(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	var consts []uint64
	for _, v := range []uint64{0, 1, 0xffff, 0x10000, 0x80000001, 0x80000000, 0xffff0001, 0x7fff8000,
		0xfffffffe, 0xffffffff, 0x5555555555555555, 0xffffffffffff1234, 0x1234ffffffffffff,
		0xffff0000ffff0000, 0x8000000000000000, 0x7fffffffffffffff, 0x0000123400005678, ^uint64(0)} {
		consts = append(consts, v)
	}
	for range 200 {
		v := r.Uint64()
		for k := range 4 { // make some halfwords 0 or 0xffff
			switch r.Intn(3) {
			case 0:
				v &^= 0xffff << (16 * k)
			case 1:
				v |= 0xffff << (16 * k)
			}
		}
		consts = append(consts, v)
	}
	var sb strings.Builder
	sb.WriteString("(module\n")
	for i, v := range consts {
		fmt.Fprintf(&sb, "(func (export \"i64_%d\") (result i64) (i64.const %d))\n", i, int64(v))
		fmt.Fprintf(&sb, "(func (export \"i32_%d\") (result i32) (i32.const %d))\n", i, int32(v))
		fmt.Fprintf(&sb, "(func (export \"f64_%d\") (result i64) (i64.reinterpret_f64 (f64.const %s)))\n", i, wasmFloat(math.Float64frombits(v)))
	}
	sb.WriteString(")")
	in := compileWat(t, sb.String())
	for i, v := range consts {
		res, code := in.call(fmt.Sprintf("i64_%d", i))
		require.Equal(t, exitReturn, code)
		require.Equal(t, v, res[0], "i64 %#x", v)
		res, _ = in.call(fmt.Sprintf("i32_%d", i))
		require.Equal(t, uint32(v), uint32(res[0]), "i32 %#x", uint32(v))
		if f := math.Float64frombits(v); !math.IsNaN(f) {
			res, _ = in.call(fmt.Sprintf("f64_%d", i))
			require.Equal(t, v, res[0], "f64 %#x", v)
		}
	}
}

// wasmFloat prints f in the text format, exactly.
func wasmFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	return strconv.FormatFloat(f, 'x', -1, 64)
}
