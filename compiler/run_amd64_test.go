//go:build amd64 && linux

package compiler

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/runtime"
)

// TestRun compiles testdata/run/*.wasm and runs the scripts next to them
// through the runtime package (load, instantiate, call), with host
// functions env.add(i32, i64) -> i64 (their sum) and env.pair(f64) ->
// (f64, i32) (twice the argument, and 4). Script lines are those of
// TestExec; traps are the runtime's trap kind names.
func TestRun(t *testing.T) {
	files, err := filepath.Glob("testdata/run/*.txt")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	ctx := context.Background()
	rt := runtime.New(runtime.Config{StackSize: 1 << 20})
	imports := runtime.Imports{}
	imports.Define("env", "add", runtime.NewHostFunction("add",
		runtime.FuncType{Params: []runtime.ValType{runtime.I32, runtime.I64}, Results: []runtime.ValType{runtime.I64}},
		func(_ context.Context, _ *runtime.Instance, params, results []uint64) error {
			results[0] = uint64(uint32(params[0])) + params[1]
			return nil
		}))
	imports.Define("env", "pair", runtime.NewHostFunction("pair",
		runtime.FuncType{Params: []runtime.ValType{runtime.F64}, Results: []runtime.ValType{runtime.F64, runtime.I32}},
		func(_ context.Context, _ *runtime.Instance, params, results []uint64) error {
			results[0] = math.Float64bits(2 * math.Float64frombits(params[0]))
			results[1] = 4
			return nil
		}))
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txt")
		wasmBytes, err := os.ReadFile(strings.TrimSuffix(file, ".txt") + ".wasm")
		require.NoError(t, err)
		script, err := os.ReadFile(file)
		require.NoError(t, err)
		for _, level := range []int{0, 2} {
			t.Run(name+"/O"+strconv.Itoa(level), func(t *testing.T) {
				opts := DefaultOptions()
				opts.OptLevel = level
				a, err := CompileArtifact(wasmBytes, opts)
				require.NoError(t, err)
				bin, err := Compile(wasmBytes, opts)
				require.NoError(t, err)
				mod, err := rt.Load(bin)
				require.NoError(t, err)
				defer mod.Close()
				inst, err := mod.Instantiate(ctx, imports)
				require.NoError(t, err)
				for n, line := range strings.Split(string(script), "\n") {
					line = strings.TrimSpace(line)
					if line == "" || strings.HasPrefix(line, "#") {
						continue
					}
					call, want, ok := strings.Cut(line, "->")
					require.True(t, ok, "line %d", n+1)
					fields := strings.Fields(call)
					ft := funcType(t, a, fields[0])
					args := make([]uint64, len(fields)-1)
					for i, s := range fields[1:] {
						args[i] = parseValue(t, ft.Params[i], s, n+1)
					}
					got, err := inst.Call(ctx, fields[0], args...)
					want = strings.TrimSpace(want)
					if kind, ok := strings.CutPrefix(want, "trap "); ok {
						var trap *runtime.Trap
						require.True(t, errors.As(err, &trap), "line %d: %s: got %v, %v", n+1, line, got, err)
						require.Equal(t, kind, trap.Kind.String(), "line %d: %s", n+1, line)
						continue
					}
					require.NoError(t, err, "line %d: %s", n+1, line)
					wants := strings.Fields(want)
					require.Len(t, got, len(wants), "line %d", n+1)
					for i, w := range wants {
						require.Equal(t, parseValue(t, ft.Results[i], w, n+1), got[i], "line %d: %s: result %d", n+1, line, i)
					}
				}
			})
		}
	}
}

// TestRunInterrupt checks the polls at loop back edges: a spinning loop
// lets the GC run and stops at the context's deadline.
func TestRunInterrupt(t *testing.T) {
	wasmBytes, err := os.ReadFile("testdata/run/host.wasm")
	require.NoError(t, err)
	bin, err := Compile(wasmBytes, DefaultOptions())
	require.NoError(t, err)
	rt := runtime.New(runtime.Config{})
	mod, err := rt.Load(bin)
	require.NoError(t, err)
	defer mod.Close()
	imports := runtime.Imports{}
	for _, name := range []string{"add", "pair"} {
		ft := runtime.FuncType{Params: []runtime.ValType{runtime.I32, runtime.I64}, Results: []runtime.ValType{runtime.I64}}
		if name == "pair" {
			ft = runtime.FuncType{Params: []runtime.ValType{runtime.F64}, Results: []runtime.ValType{runtime.F64, runtime.I32}}
		}
		imports.Define("env", name, runtime.NewHostFunction(name, ft, func(context.Context, *runtime.Instance, []uint64, []uint64) error { return nil }))
	}
	inst, err := mod.Instantiate(context.Background(), imports)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		goruntime.GC() // must not wait for the spinning guest
	}()
	_, err = inst.Call(ctx, "spin", 1)
	var trap *runtime.Trap
	require.True(t, errors.As(err, &trap), "got %v", err)
	require.Equal(t, runtime.TrapInterrupted, trap.Kind)
	<-done
}
