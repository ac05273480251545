//go:build linux

package arm64

import (
	"encoding/binary"
	"math"
	"math/bits"
	"syscall"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/compiler/lower"
	"github.com/wasiaot/wasiaot/compiler/opt"
	"github.com/wasiaot/wasiaot/compiler/validate"
	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/compiler/wat"
	"github.com/wasiaot/wasiaot/runtime/abi"
)

func callNative(entry, vmctx, stack uintptr) uint64
func trapStub()
func preemptStub()
func hostCallStub()
func stubAddrs() (trap, preempt, host uintptr)

// Exit codes of the harness.
const (
	exitReturn  = 0
	exitTrap    = 1
	exitPreempt = 2
	exitHost    = 3
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
	layout, err := abi.NewLayout(abi.ModuleShape{
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
		for _, cs := range c.Calls {
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
	trap, preempt, host := stubAddrs()
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
	code := callNative(base+uintptr(in.stubOff[idx]), addr(in.vmctx), addr(in.stack)+uintptr(len(in.stack)))
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
	pc := in.get(216) - uint64(addr(in.text))
	ts, ok := in.traps[uint32(pc)]
	require.True(in.t, ok, "trap PC %#x is not a trap site", pc)
	return ts.Code
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
