//go:build linux

package arm64_test

// The tests of compiler/testdata/exec run on arm64 artifacts, with the
// artifact instantiated minimally as compiler/exec_amd64_test.go does and
// entered through the test harness of internal/exectest.

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/backend/arm64/internal/exectest"
	"github.com/wasiaot/wasiaot/compiler"
	"github.com/wasiaot/wasiaot/runtime/abi"
	"github.com/wasiaot/wasiaot/runtime/artifact"
)

type instance struct {
	a      *artifact.Artifact
	layout abi.Layout
	text   []byte
	vmctx  []byte
	args   []byte
	stack  []byte
	mem    []byte
	fake   []byte // a stand-in g for polls, and FuncRefs and tables
}

func mmap(t *testing.T, n int, prot int) []byte {
	n = (n + 4095) &^ 4095
	b, err := syscall.Mmap(-1, 0, n, prot, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	require.NoError(t, err)
	t.Cleanup(func() { _ = syscall.Munmap(b) })
	return b
}

func addr(b []byte) uintptr { return uintptr(unsafe.Pointer(&b[0])) }

func put64(b []byte, off uint32, v uint64) { binary.LittleEndian.PutUint64(b[off:], v) }

func instantiate(t *testing.T, a *artifact.Artifact) *instance {
	m := &a.Module
	nfuncs := uint32(len(m.Funcs)) + m.NumImportedFuncs()
	var nglobals, ntables uint32
	for _, im := range m.Imports {
		switch im.Kind {
		case artifact.KindGlobal:
			nglobals++
		case artifact.KindTable:
			ntables++
		case artifact.KindMemory:
			t.Fatalf("imported memories are not supported by this test loader")
		}
	}
	require.Zero(t, nglobals+ntables, "imported globals and tables are not supported by this test loader")
	nglobals += uint32(len(m.Globals))
	ntables += uint32(len(m.Tables))
	layout, err := abi.NewLayout(abi.ModuleShape{HeaderSize: abi.ARM64VMCtxHeaderSize, NumTypes: uint32(len(m.Types)), NumFuncs: nfuncs, NumGlobals: nglobals, NumTables: ntables, HasMemory: len(m.Memories) > 0})
	require.NoError(t, err)
	in := &instance{a: a, layout: layout}
	rwx := syscall.PROT_READ | syscall.PROT_WRITE | syscall.PROT_EXEC
	rw := syscall.PROT_READ | syscall.PROT_WRITE
	in.text = mmap(t, len(a.Text)+1, rwx)
	copy(in.text, a.Text)
	in.vmctx = mmap(t, int(layout.Size), rw)
	in.args = mmap(t, 64*abi.ArgSlotSize, rw)
	in.stack = mmap(t, 1<<20, rw)
	in.fake = mmap(t, 1<<20, rw)
	vm := in.vmctx
	if len(m.Memories) > 0 {
		in.mem = mmap(t, abi.MemoryReservation, syscall.PROT_NONE)
		n := int(m.Memories[0].Min) * abi.WasmPageSize
		if n > 0 {
			require.NoError(t, syscall.Mprotect(in.mem[:n], rw))
		}
		put64(vm, abi.VMCtxMemoryBase, uint64(addr(in.mem)))
		put64(vm, abi.VMCtxMemoryLen, uint64(n))
		for _, d := range m.Datas {
			if d.Mode == artifact.Active {
				off := d.Offset[0].Imm
				copy(in.mem[off:], a.Rodata[d.RodataOffset:][:d.Size])
			}
		}
	}
	put64(vm, abi.VMCtxG, uint64(addr(in.fake)))
	trap, preempt, host := exectest.StubAddrs()
	put64(vm, abi.VMCtxHostCallStub, uint64(host))
	put64(vm, abi.VMCtxTrapStub, uint64(trap))
	put64(vm, abi.VMCtxPreemptStub, uint64(preempt))
	put64(vm, abi.VMCtxArgs, uint64(addr(in.args)))
	put64(vm, abi.VMCtxStackLimit, uint64(addr(in.stack)))
	put64(vm, abi.VMCtxMagic, abi.VMCtxMagicValue)
	put64(vm, layout.MemoryOwner, uint64(addr(vm)))
	for i := range m.Types {
		id := uint32(i + 1)
		for j := range i {
			if fmt.Sprint(m.Types[j]) == fmt.Sprint(m.Types[i]) {
				id = uint32(j + 1)
				break
			}
		}
		binary.LittleEndian.PutUint32(vm[layout.TypeIDOffset(uint32(i)):], id)
	}
	// FuncRefs from offset 4096 of the fake area, TableDescs and elements
	// after them.
	nimp := m.NumImportedFuncs()
	refs := uint32(4096)
	typeOf := func(f uint32) uint32 {
		if f < nimp {
			n := uint32(0)
			for _, im := range m.Imports {
				if im.Kind == artifact.KindFunc {
					if n == f {
						return im.TypeIndex
					}
					n++
				}
			}
		}
		return m.Funcs[f-nimp].TypeIndex
	}
	for f := range nfuncs {
		r := refs + f*abi.FuncRefSize
		if f >= nimp {
			put64(in.fake, r+abi.FuncRefCode, uint64(addr(in.text))+uint64(m.Funcs[f-nimp].Offset))
			put64(in.fake, r+abi.FuncRefVMCtx, uint64(addr(vm)))
		}
		binary.LittleEndian.PutUint32(in.fake[r+abi.FuncRefTypeID:], binary.LittleEndian.Uint32(vm[layout.TypeIDOffset(typeOf(f)):]))
		binary.LittleEndian.PutUint32(in.fake[r+abi.FuncRefIndex:], f)
		put64(vm, layout.FuncRefOffset(f), uint64(addr(in.fake))+uint64(r))
	}
	next := refs + nfuncs*abi.FuncRefSize
	for i, tt := range m.Tables {
		next = (next + 15) &^ 15
		desc := next
		elems := desc + abi.TableDescSize
		next = elems + 8*uint32(max(tt.Min, 1))
		put64(in.fake, desc+abi.TableDescElems, uint64(addr(in.fake))+uint64(elems))
		binary.LittleEndian.PutUint32(in.fake[desc+abi.TableDescLen:], uint32(tt.Min))
		binary.LittleEndian.PutUint32(in.fake[desc+abi.TableDescMax:], uint32(tt.Max))
		put64(vm, layout.TableOffset(uint32(i)), uint64(addr(in.fake))+uint64(desc))
		for _, e := range m.Elems {
			if e.Mode != artifact.Active || e.Table != uint32(i) {
				continue
			}
			off := uint32(e.Offset[0].Imm)
			for k, f := range e.Funcs {
				put64(in.fake, elems+8*(off+uint32(k)), binary.LittleEndian.Uint64(vm[layout.FuncRefOffset(f):]))
			}
		}
	}
	for i, g := range m.Globals {
		op := g.Init[0]
		v := op.Imm
		switch op.Op {
		case artifact.OpRefNull:
			v = 0
		case artifact.OpRefFunc:
			v = binary.LittleEndian.Uint64(vm[layout.FuncRefOffset(uint32(op.Imm)):])
		}
		put64(vm, layout.GlobalOffset(uint32(i)), v)
	}
	return in
}

// outcome is the result of one invocation.
type outcome struct {
	results []uint64
	trap    string // trap kind name, or "exit N" for a host-call exit
}

func (in *instance) invoke(t *testing.T, name string, args []uint64) outcome {
	m := &in.a.Module
	var fn uint32
	found := false
	for _, e := range m.Exports {
		if e.Kind == artifact.KindFunc && e.Name == name {
			fn, found = e.Index, true
		}
	}
	require.True(t, found, "no exported function %q", name)
	nimp := m.NumImportedFuncs()
	require.GreaterOrEqual(t, fn, nimp)
	f := m.Funcs[fn-nimp]
	ft := m.Types[f.TypeIndex]
	require.Len(t, args, len(ft.Params), "%s: argument count", name)
	stub := in.a.Code.EntryStubs[f.TypeIndex]
	require.NotEqual(t, artifact.NoStub, stub)
	for i, v := range args {
		put64(in.args, uint32(i*abi.ArgSlotSize), v)
	}
	put64(in.vmctx, in.layout.EntryTarget, uint64(addr(in.text))+uint64(f.Offset))
	r := exectest.Call(addr(in.text)+uintptr(stub), addr(in.vmctx), addr(in.stack)+uintptr(len(in.stack)))
	switch r {
	case exectest.ExitReturn:
		out := outcome{}
		for i, rt := range ft.Results {
			v := binary.LittleEndian.Uint64(in.args[i*abi.ArgSlotSize:])
			if rt == artifact.I32 || rt == artifact.F32 {
				v &= math.MaxUint32
			}
			out.results = append(out.results, v)
		}
		return out
	case exectest.ExitTrap:
		pc := binary.LittleEndian.Uint64(in.vmctx[exectest.TrapPC:]) - uint64(addr(in.text))
		traps := in.a.Code.Traps
		i := sort.Search(len(traps), func(i int) bool { return uint64(traps[i].Offset) >= pc })
		require.True(t, i < len(traps) && uint64(traps[i].Offset) == pc, "trap at %#x is not in the trap table", pc)
		require.Equal(t, fn, traps[i].Func)
		return outcome{trap: traps[i].Kind.String()}
	case exectest.ExitHost:
		out := outcome{trap: fmt.Sprintf("exit %#x", binary.LittleEndian.Uint32(in.vmctx[abi.VMCtxExitArg:]))}
		for i := range 8 {
			out.results = append(out.results, binary.LittleEndian.Uint64(in.args[i*abi.ArgSlotSize:]))
		}
		return out
	}
	t.Fatalf("trampoline returned %d", r)
	return outcome{}
}

// TestExecArtifacts compiles every compiler/testdata/exec/*.wasm for arm64 at each optimisation level
// and checks the invocations listed in the .txt file next to it, one per
// line:
//
//	name arg... -> result...
//	name arg... -> trap <trap kind>
//	name arg... -> exit <exit argument> [<args slot>...]
//
// Integers are decimal or 0x hex (negative allowed); floats are decimal,
// inf, -inf, nan (a result matches any NaN) or bits:0xHEX.
func TestExecArtifacts(t *testing.T) {
	files, err := filepath.Glob("../../compiler/testdata/exec/*.txt")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txt")
		wasmBytes, err := os.ReadFile(strings.TrimSuffix(file, ".txt") + ".wasm")
		require.NoError(t, err)
		script, err := os.ReadFile(file)
		require.NoError(t, err)
		for _, level := range []int{0, 1, 2} {
			t.Run(name+"/O"+strconv.Itoa(level), func(t *testing.T) {
				opts := compiler.DefaultOptions()
				opts.OptLevel = level
				opts.Target = "arm64"
				a, err := compiler.CompileArtifact(wasmBytes, opts)
				require.NoError(t, err)
				in := instantiate(t, a)
				for n, line := range strings.Split(string(script), "\n") {
					line = strings.TrimSpace(line)
					if line == "" || strings.HasPrefix(line, "#") {
						continue
					}
					runLine(t, in, line, n+1)
				}
			})
		}
	}
}

func runLine(t *testing.T, in *instance, line string, n int) {
	call, want, ok := strings.Cut(line, "->")
	require.True(t, ok, "line %d: missing ->", n)
	fields := strings.Fields(call)
	name := fields[0]
	ft := funcType(t, in.a, name)
	require.Len(t, fields[1:], len(ft.Params), "line %d: argument count", n)
	args := make([]uint64, len(ft.Params))
	for i, s := range fields[1:] {
		args[i] = parseValue(t, ft.Params[i], s, n)
	}
	got := in.invoke(t, name, args)
	want = strings.TrimSpace(want)
	if kind, ok := strings.CutPrefix(want, "trap "); ok {
		require.Equal(t, kind, got.trap, "line %d: %s", n, line)
		return
	}
	if strings.HasPrefix(want, "exit ") {
		// exit ARG [slot values...]: the exit argument and the first
		// args-buffer slots as the exit left them.
		f := strings.Fields(want)
		require.Equal(t, f[0]+" "+f[1], got.trap, "line %d: %s", n, line)
		for i, w := range f[2:] {
			require.Equal(t, parseValue(t, artifact.I64, w, n), got.results[i], "line %d: %s: slot %d", n, line, i)
		}
		return
	}
	require.Empty(t, got.trap, "line %d: %s", n, line)
	wants := strings.Fields(want)
	require.Len(t, wants, len(ft.Results), "line %d: result count", n)
	for i, w := range wants {
		rt := ft.Results[i]
		if w == "nan" {
			if rt == artifact.F32 {
				f := math.Float32frombits(uint32(got.results[i]))
				require.True(t, f != f, "line %d: result %d = %v, want NaN", n, i, f)
			} else {
				require.True(t, math.IsNaN(math.Float64frombits(got.results[i])), "line %d: result %d, want NaN", n, i)
			}
			continue
		}
		require.Equal(t, parseValue(t, rt, w, n), got.results[i], "line %d: %s: result %d", n, line, i)
	}
}

func funcType(t *testing.T, a *artifact.Artifact, name string) artifact.FuncType {
	for _, e := range a.Module.Exports {
		if e.Kind == artifact.KindFunc && e.Name == name {
			return a.Module.Types[a.Module.Funcs[e.Index-a.Module.NumImportedFuncs()].TypeIndex]
		}
	}
	t.Fatalf("no export %q", name)
	return artifact.FuncType{}
}

func parseValue(t *testing.T, vt artifact.ValType, s string, line int) uint64 {
	if bits, ok := strings.CutPrefix(s, "bits:"); ok {
		v, err := strconv.ParseUint(bits, 0, 64)
		require.NoError(t, err, "line %d", line)
		return v
	}
	switch vt {
	case artifact.I32, artifact.I64, artifact.FuncRef, artifact.ExternRef:
		var v uint64
		if strings.HasPrefix(s, "-") {
			x, err := strconv.ParseInt(s, 0, 64)
			require.NoError(t, err, "line %d", line)
			v = uint64(x)
		} else {
			x, err := strconv.ParseUint(s, 0, 64)
			require.NoError(t, err, "line %d", line)
			v = x
		}
		if vt == artifact.I32 {
			v &= math.MaxUint32
		}
		return v
	case artifact.F32:
		f, err := strconv.ParseFloat(s, 32)
		require.NoError(t, err, "line %d", line)
		return uint64(math.Float32bits(float32(f)))
	case artifact.F64:
		f, err := strconv.ParseFloat(s, 64)
		require.NoError(t, err, "line %d", line)
		return math.Float64bits(f)
	}
	t.Fatalf("line %d: value of type %v", line, vt)
	return 0
}
