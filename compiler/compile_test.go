package compiler

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/backend"
	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/compiler/wat"
	"github.com/wasiaot/wasiaot/runtime/artifact"
	"github.com/wasiaot/wasiaot/runtime/trap"
)

func testModules(t *testing.T) map[string][]byte {
	files, err := filepath.Glob("testdata/exec/*.wasm")
	require.NoError(t, err)
	more, err := filepath.Glob("lower/testdata/*.wasm")
	require.NoError(t, err)
	mods := map[string][]byte{}
	for _, f := range append(files, more...) {
		if strings.Contains(f, "unsupported") {
			continue
		}
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		mods[f] = b
	}
	require.NotEmpty(t, mods)
	return mods
}

// TestDeterministic checks that the artifact bytes do not depend on the
// parallelism or on repetition.
func TestDeterministic(t *testing.T) {
	for name, b := range testModules(t) {
		var first []byte
		for _, par := range []int{1, 4, 2, 8} {
			opts := DefaultOptions()
			opts.Parallelism = par
			out, err := Compile(b, opts)
			require.NoError(t, err, name)
			if first == nil {
				first = out
				continue
			}
			require.Equal(t, first, out, "%s: parallelism %d", name, par)
		}
	}
}

// TestArtifactRoundTrip checks that every artifact parses back and passes
// the reader's consistency checks, with sorted site tables inside the
// functions.
func TestArtifactRoundTrip(t *testing.T) {
	target, err := backend.Lookup(DefaultOptions().Target)
	require.NoError(t, err)
	funcAlign := uint32(target.FuncAlign())
	for name, b := range testModules(t) {
		out, err := Compile(b, DefaultOptions())
		require.NoError(t, err, name)
		a, err := artifact.Parse(out)
		require.NoError(t, err, name)
		require.Equal(t, len(a.Module.Types), len(a.Code.EntryStubs), name)
		for i := 1; i < len(a.Code.Traps); i++ {
			require.Less(t, a.Code.Traps[i-1].Offset, a.Code.Traps[i].Offset, name)
		}
		for _, f := range a.Module.Funcs {
			require.Zero(t, f.Offset%funcAlign, name)
		}
	}
}

func TestDescription(t *testing.T) {
	b, err := os.ReadFile("testdata/exec/mem.wasm")
	require.NoError(t, err)
	a, err := CompileArtifact(b, DefaultOptions())
	require.NoError(t, err)
	m := &a.Module
	require.Len(t, m.Imports, 1)
	require.Equal(t, "hostfn", m.Imports[0].Name)
	require.Len(t, m.Memories, 1)
	require.Equal(t, uint64(1), m.Memories[0].Min)
	require.Equal(t, uint64(3), m.Memories[0].Max)
	require.Len(t, m.Globals, 3)
	require.Equal(t, artifact.ConstExpr{{Op: artifact.OpI32Const, Imm: 42}}, m.Globals[0].Init)
	require.Len(t, m.Tables, 2)
	require.Len(t, m.Datas, 1)
	require.Equal(t, []byte{1, 2, 3, 4, 5, 6, 7, 8, 0xff, 0xfe}, a.Rodata[m.Datas[0].RodataOffset:][:m.Datas[0].Size])
	require.Equal(t, []uint32{1, 2, 3}, m.Elems[0].Funcs)
	require.Equal(t, Version, a.Header.CompilerVersion)
	target, err := backend.Lookup(DefaultOptions().Target)
	require.NoError(t, err)
	require.Equal(t, target.Arch(), a.Header.Arch)
	require.Equal(t, uint8(2), a.Header.OptLevel)
	// Memory accesses are fault sites, call_indirect has explicit traps.
	kinds := map[trap.Kind]int{}
	for _, s := range a.Code.Traps {
		kinds[s.Kind]++
		require.NotZero(t, s.WasmOffset)
	}
	require.NotZero(t, kinds[trap.MemoryOutOfBounds])
	require.NotZero(t, kinds[trap.IndirectCallTypeMismatch])
	require.NotZero(t, kinds[trap.TableOutOfBounds])
	require.NotEmpty(t, a.Code.Calls)
}

func TestErrors(t *testing.T) {
	b, err := os.ReadFile("testdata/exec/int.wasm")
	require.NoError(t, err)
	opts := DefaultOptions()
	opts.Target = "sparc64"
	_, err = Compile(b, opts)
	require.ErrorContains(t, err, `not supported: target "sparc64" (supported: `)
	opts = DefaultOptions()
	opts.OptLevel = 3
	_, err = Compile(b, opts)
	require.Error(t, err)
	_, err = Compile(b[:20], DefaultOptions())
	require.Error(t, err)

	tail, err := os.ReadFile("testdata/tailcall.wasm")
	require.NoError(t, err)
	opts = DefaultOptions()
	opts.Features |= wasm.FeatureTailCall
	_, err = Compile(tail, opts)
	require.Error(t, err)
	var ce *Error
	require.True(t, errors.As(err, &ce))
	require.Equal(t, uint32(0), ce.Func)
	require.Equal(t, "tail", ce.Name)
	require.NotZero(t, ce.Offset)
	require.Contains(t, err.Error(), "not supported: tail calls")
}

func TestDumpSSA(t *testing.T) {
	b, err := os.ReadFile("testdata/exec/int.wasm")
	require.NoError(t, err)
	opts := DefaultOptions()
	var passes []string
	opts.DumpSSA = &DumpSSA{Func: "1", Write: func(fn uint32, pass, text string) {
		require.Equal(t, uint32(1), fn)
		require.Contains(t, text, "i32.const 100")
		passes = append(passes, pass)
	}}
	_, err = Compile(b, opts)
	require.NoError(t, err)
	require.Equal(t, "lower", passes[0])
	require.Greater(t, len(passes), 1)
}

// TestFirstError checks that a module with several failing functions
// reports the one with the lowest index, whatever the parallelism, even
// when bigger failing functions come later (they take longer).
func TestFirstError(t *testing.T) {
	var src strings.Builder
	src.WriteString("(module\n")
	for i := range 12 {
		src.WriteString("  (func (param i32) (result i32)\n")
		// Later functions are bigger, and every third one makes a tail
		// call, which does not compile yet.
		for range i * 20 {
			src.WriteString("    local.get 0 i32.const 1 i32.add local.set 0\n")
		}
		if i%3 == 2 {
			src.WriteString("    local.get 0 return_call 0\n")
		} else {
			src.WriteString("    local.get 0\n")
		}
		src.WriteString("  )\n")
	}
	src.WriteString(")\n")
	b, err := wat.Parse([]byte(src.String()), wasm.FeaturesV2|wasm.FeatureTailCall)
	require.NoError(t, err)
	for _, par := range []int{1, 2, 3, 8} {
		opts := DefaultOptions()
		opts.Features |= wasm.FeatureTailCall
		opts.Parallelism = par
		_, err := Compile(b, opts)
		var ce *Error
		require.True(t, errors.As(err, &ce), "parallelism %d: %v", par, err)
		require.Equal(t, uint32(2), ce.Func, "parallelism %d", par)
		require.Contains(t, err.Error(), "not supported: tail calls")
	}
}

// TestProgress checks the progress callback: one call at a time, done
// rising to the number of defined functions, the total constant, and the
// output the same as without it and for any number of workers.
func TestProgress(t *testing.T) {
	const n = 600
	var src strings.Builder
	src.WriteString("(module (import \"m\" \"f\" (func))\n")
	for i := range n {
		src.WriteString("  (func (export \"f" + strconv.Itoa(i) + "\") (param i32) (result i32)\n")
		for range i % 7 * 10 {
			src.WriteString("    local.get 0 i32.const 3 i32.mul local.set 0\n")
		}
		src.WriteString("    local.get 0 call 1)\n")
	}
	src.WriteString(")\n")
	b, err := wat.Parse([]byte(src.String()), wasm.FeaturesV2)
	require.NoError(t, err)
	want, err := Compile(b, DefaultOptions())
	require.NoError(t, err)
	for _, par := range []int{1, 2, 8} {
		opts := DefaultOptions()
		opts.Parallelism = par
		var inCall atomic.Int32
		var calls [][2]int
		opts.Progress = func(done, total int) {
			require.Equal(t, int32(1), inCall.Add(1), "overlapping calls")
			defer inCall.Add(-1)
			calls = append(calls, [2]int{done, total})
		}
		got, err := Compile(b, opts)
		require.NoError(t, err)
		require.Equal(t, want, got, "parallelism %d", par)
		require.NotEmpty(t, calls)
		prev := 0
		for _, c := range calls {
			require.Equal(t, n, c[1], "total")
			require.Greater(t, c[0], prev, "done must rise: %v", calls)
			prev = c[0]
		}
		require.Equal(t, n, prev, "the last call reports every function done")
	}
}

// TestBigFunctionsFirst checks that functions of bigFunc bytes or more
// are taken first, biggest first, and that the output and the error
// reported do not depend on it: a big failing function taken first does
// not hide a smaller failing function with a lower index.
func TestBigFunctionsFirst(t *testing.T) {
	body := func(src *strings.Builder, adds int, tail bool) {
		src.WriteString("  (func (param i32) (result i32)\n")
		for range adds {
			src.WriteString("    local.get 0 i32.const 1 i32.add local.set 0\n")
		}
		if tail {
			src.WriteString("    local.get 0 return_call 0)\n")
		} else {
			src.WriteString("    local.get 0)\n")
		}
	}
	// 7 bytes of wasm per add; 1 and 3 are huge, compiled one at a time.
	defer func(old int) { hugeFunc = old }(hugeFunc)
	hugeFunc = 5 << 10
	sizes := []int{3, 800, 10, 1500, 5, 700, 2}
	build := func(failing ...int) []byte {
		var src strings.Builder
		src.WriteString("(module\n")
		for i, n := range sizes {
			body(&src, n, slices.Contains(failing, i))
		}
		src.WriteString(")\n")
		b, err := wat.Parse([]byte(src.String()), wasm.FeaturesV2|wasm.FeatureTailCall)
		require.NoError(t, err)
		return b
	}
	b := build()
	m, err := wasm.Decode(b, wasm.FeaturesV2)
	require.NoError(t, err)
	require.Equal(t, []int32{3, 1, 5, 0, 2, 4, 6}, newSchedule(m).order)

	want, err := Compile(b, DefaultOptions())
	require.NoError(t, err)
	bad := build(2, 3) // 3 is big and taken first; 2 is small and fails too
	for _, par := range []int{1, 2, 8} {
		opts := DefaultOptions()
		opts.Parallelism = par
		got, err := Compile(b, opts)
		require.NoError(t, err)
		require.Equal(t, want, got, "parallelism %d", par)

		opts.Features |= wasm.FeatureTailCall
		_, err = Compile(bad, opts)
		var ce *Error
		require.True(t, errors.As(err, &ce), "parallelism %d: %v", par, err)
		require.Equal(t, uint32(2), ce.Func, "parallelism %d", par)
	}
}

// TestScheduleHuge checks that a huge function is handed out only while
// no other one is being compiled, the other functions meanwhile, and
// that failing functions' successors are skipped.
func TestScheduleHuge(t *testing.T) {
	defer func(old int) { hugeFunc = old }(hugeFunc)
	hugeFunc = 8 << 10
	m := &wasm.Module{}
	for _, size := range []int{100, 9 << 10, 5 << 10, 20 << 10, 200, 10 << 10} {
		m.Code = append(m.Code, wasm.Code{Body: make([]byte, size)})
	}
	s := newSchedule(m)
	require.Equal(t, []int32{3, 5, 1, 2, 0, 4}, s.order)
	next := func() (int, bool) { return s.take(len(m.Code)) }
	fn, huge := next()
	require.Equal(t, []any{3, true}, []any{fn, huge}, "the biggest first")
	fn, huge = next()
	require.Equal(t, []any{2, false}, []any{fn, huge}, "not a second huge one meanwhile")
	fn, _ = next()
	require.Equal(t, 0, fn)
	fn, _ = next()
	require.Equal(t, 4, fn)
	fn, _ = next()
	require.Equal(t, wait, fn, "only huge ones left")
	s.done(true)
	fn, huge = next()
	require.Equal(t, []any{5, true}, []any{fn, huge})
	s.done(true)
	fn, huge = s.take(5) // function 5 failed: 1 still comes, being before it
	require.Equal(t, []any{1, true}, []any{fn, huge})
	s.done(true)
	fn, _ = next()
	require.Equal(t, -1, fn)

	s = newSchedule(m)
	fn, _ = s.take(2) // 3 and 5 are after the failure at 2
	require.Equal(t, 1, fn)
}
