package lower_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"

	"github.com/wasiaot/wasiaot/compiler/lower"
	"github.com/wasiaot/wasiaot/compiler/opt"
	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/compiler/validate"
	"github.com/wasiaot/wasiaot/compiler/wasm"
)

var (
	bigOnce sync.Once
	bigData []byte
	bigErr  error
)

// bigModule returns a Go wasip1 binary of several MB: $WASIAOT_BENCH_WASM,
// or testdata/benchprog built with the go tool.
func bigModule(tb testing.TB) []byte {
	tb.Helper()
	bigOnce.Do(func() {
		if path := os.Getenv("WASIAOT_BENCH_WASM"); path != "" {
			bigData, bigErr = os.ReadFile(path)
			return
		}
		dir, err := os.MkdirTemp("", "lowerbench")
		if err != nil {
			bigErr = err
			return
		}
		defer os.RemoveAll(dir)
		out := filepath.Join(dir, "big.wasm")
		cmd := exec.Command("go", "build", "-o", out, ".")
		cmd.Dir = filepath.Join("testdata", "benchprog")
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			bigErr = fmt.Errorf("building testdata/benchprog: %v\n%s", err, msg)
			return
		}
		bigData, bigErr = os.ReadFile(out)
	})
	require.NoError(tb, bigErr)
	return bigData
}

func frontEnd(tb testing.TB, data []byte) *wasm.Module {
	m, err := wasm.Decode(data, wasm.FeaturesV2)
	require.NoError(tb, err)
	require.NoError(tb, validate.Validate(m, wasm.FeaturesV2))
	return m
}

// A real Go program lowers completely, and every function verifies.
func TestBigModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go program for wasip1")
	}
	m := frontEnd(t, bigModule(t))
	funcs, err := lower.Module(m, lower.Options{})
	require.NoError(t, err)
	require.Len(t, funcs, len(m.Functions))
	var blocks, values int
	for i, f := range funcs {
		require.NoError(t, ssa.Verify(f), "function %d", m.NumImportedFuncs()+i)
		blocks += len(f.Blocks)
		values += f.NumValues()
	}
	t.Logf("%d bytes, %d functions, %d blocks, %d values", len(bigModule(t)), len(funcs), blocks, values)

	// The output does not depend on how the work was spread.
	serial, err := lower.Module(m, lower.Options{Workers: 1})
	require.NoError(t, err)
	for i := range funcs {
		require.Equal(t, serial[i].String(), funcs[i].String(), "function %d", m.NumImportedFuncs()+i)
	}
}

// BenchmarkFrontEnd measures decode + validate + lower on all cores, in
// bytes of wasm per second; the /opt variant adds opt.Pipeline.
func BenchmarkFrontEnd(b *testing.B) {
	data := bigModule(b)
	for _, withOpt := range []bool{false, true} {
		name := "lower"
		if withOpt {
			name = "lower+opt"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				m := frontEnd(b, data)
				funcs, err := lower.Module(m, lower.Options{})
				if err != nil {
					b.Fatal(err)
				}
				if withOpt {
					parallel(len(funcs), func(i int) { opt.Pipeline(funcs[i], 1, nil) })
				}
			}
		})
	}
}

// BenchmarkLowerOnly measures lowering alone on one core.
func BenchmarkLowerOnly(b *testing.B) {
	data := bigModule(b)
	m := frontEnd(b, data)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := lower.Module(m, lower.Options{Workers: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWazeroCompile is the reference: wazero's optimizing compiler
// on the same module (its full compile, machine code included).
func BenchmarkWazeroCompile(b *testing.B) {
	data := bigModule(b)
	ctx := context.Background()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
		if _, err := r.CompileModule(ctx, data); err != nil {
			b.Fatal(err)
		}
		r.Close(ctx)
	}
}

// parallel runs fn(0..n-1) on all cores.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	var next atomic.Int64
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		}()
	}
	wg.Wait()
}
