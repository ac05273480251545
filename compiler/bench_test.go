package compiler

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
)

// benchModule is one input of the compile benchmarks.
type benchModule struct {
	name string
	data []byte
}

// benchModules returns the modules the compile benchmarks use: those named
// by WASIAOT_BENCH_WASM, a list of .wasm files or directories of them
// separated by the path list separator (':'), or else testdata/benchprog
// built for wasip1 (about 5 MB: fmt, encoding/json and net/http).
func benchModules(b *testing.B) []benchModule {
	var paths []string
	for _, p := range filepath.SplitList(os.Getenv("WASIAOT_BENCH_WASM")) {
		if p == "" {
			continue
		}
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			found, err := filepath.Glob(filepath.Join(p, "*.wasm"))
			if err != nil {
				b.Fatal(err)
			}
			slices.Sort(found)
			paths = append(paths, found...)
			continue
		}
		paths = append(paths, p)
	}
	if len(paths) == 0 {
		path := filepath.Join(b.TempDir(), "benchprog.wasm")
		cmd := exec.Command("go", "build", "-o", path, ".")
		cmd.Dir = "testdata/benchprog"
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("building the benchmark module: %v\n%s", err, out)
		}
		paths = append(paths, path)
	}
	var ms []benchModule
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		ms = append(ms, benchModule{name: strings.TrimSuffix(filepath.Base(p), ".wasm"), data: data})
	}
	return ms
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

// compileEngines are the compilers the benchmarks compare, by name.
var compileEngines = []struct {
	name    string
	compile func(b *testing.B, data []byte)
}{
	{"wasiaot", func(b *testing.B, data []byte) {
		if _, err := Compile(data, DefaultOptions()); err != nil {
			b.Fatal(err)
		}
	}},
	{"wazero", func(b *testing.B, data []byte) {
		ctx := context.Background()
		r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
		if _, err := r.CompileModule(ctx, data); err != nil {
			b.Fatal(err)
		}
		if err := r.Close(ctx); err != nil {
			b.Fatal(err)
		}
	}},
}

func benchCompile(b *testing.B, data []byte, compile func(*testing.B, []byte)) {
	b.SetBytes(int64(len(data)))
	start := cpuTime()
	for b.Loop() {
		compile(b, data)
	}
	reportCPU(b, start, len(data))
}

// BenchmarkCompileVs compiles every benchmark module with wasiaot (-O2,
// all cores) and with wazero's optimizing compiler, in the same process,
// one after the other: BenchmarkCompileVs/MODULE/ENGINE. For example:
//
//	WASIAOT_BENCH_WASM=../bench/.cache/bin go test -run '^$' -bench CompileVs -count 5 .
func BenchmarkCompileVs(b *testing.B) {
	for _, m := range benchModules(b) {
		b.Run(m.name, func(b *testing.B) {
			for _, e := range compileEngines {
				b.Run(e.name, func(b *testing.B) { benchCompile(b, m.data, e.compile) })
			}
		})
	}
}

// BenchmarkCompile measures whole-module compile throughput (MB/s of wasm
// input) at -O2 with all cores, on the first benchmark module.
func BenchmarkCompile(b *testing.B) {
	benchCompile(b, benchModules(b)[0].data, compileEngines[0].compile)
}

// BenchmarkCompileWazero compiles the same module with wazero's optimizing
// compiler, for comparison.
func BenchmarkCompileWazero(b *testing.B) {
	benchCompile(b, benchModules(b)[0].data, compileEngines[1].compile)
}
