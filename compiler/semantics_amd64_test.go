//go:build amd64 && linux

package compiler

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// TestExec compiles every testdata/exec/*.wasm at each optimisation level
// and checks the invocations listed in the .txt file next to it, one per
// line:
//
//	name arg... -> result...
//	name arg... -> trap <trap kind>
//	name arg... -> exit <exit argument> [<args slot>...]
//
// Integers are decimal or 0x hex (negative allowed); floats are decimal,
// inf, -inf, nan (a result matches any NaN) or bits:0xHEX.
func TestExec(t *testing.T) {
	files, err := filepath.Glob("testdata/exec/*.txt")
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
				opts := DefaultOptions()
				opts.OptLevel = level
				a, err := CompileArtifact(wasmBytes, opts)
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
