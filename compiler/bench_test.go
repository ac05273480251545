package compiler

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
)

// benchWasm returns the module the compile benchmarks use: the file named
// by WASIAOT_BENCH_WASM, or testdata/benchprog built for wasip1 (about
// 5 MB: fmt, encoding/json and net/http).
func benchWasm(b *testing.B) []byte {
	path := os.Getenv("WASIAOT_BENCH_WASM")
	if path == "" {
		path = filepath.Join(b.TempDir(), "benchprog.wasm")
		cmd := exec.Command("go", "build", "-o", path, ".")
		cmd.Dir = "testdata/benchprog"
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("building the benchmark module: %v\n%s", err, out)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// cpuTime is the process's user plus system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds the CPU seconds per operation and the input MB per CPU
// second: wall time is unreliable on a shared machine.
func reportCPU(b *testing.B, start time.Duration, size int) {
	cpu := (cpuTime() - start).Seconds() / float64(b.N)
	b.ReportMetric(cpu, "cpu-s/op")
	b.ReportMetric(float64(size)/1e6/cpu, "MB/cpu-s")
}

// BenchmarkCompile measures whole-module compile throughput (MB/s of wasm
// input) at -O2 with all cores.
func BenchmarkCompile(b *testing.B) {
	data := benchWasm(b)
	b.SetBytes(int64(len(data)))
	start := cpuTime()
	for b.Loop() {
		if _, err := Compile(data, DefaultOptions()); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start, len(data))
}

// BenchmarkCompileWazero compiles the same module with wazero's optimizing
// compiler, for comparison.
func BenchmarkCompileWazero(b *testing.B) {
	data := benchWasm(b)
	ctx := context.Background()
	b.SetBytes(int64(len(data)))
	start := cpuTime()
	for b.Loop() {
		r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
		if _, err := r.CompileModule(ctx, data); err != nil {
			b.Fatal(err)
		}
		if err := r.Close(ctx); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start, len(data))
}
