// Package workload defines the benchmark programs: which binaries, which
// arguments and stdin, and how their output is checked. The binaries are
// built by bench/workloads/build.sh into a cache directory.
package workload

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
)

// Groups, in table order.
const (
	GroupC     = "C"
	GroupGo    = "Go"
	GroupMicro = "micro"
	// GroupSIMD holds C built with clang -O3 -msimd128 (autovectorised
	// wasm) and gcc -O3 -march=x86-64-v2 (native) from the same source.
	GroupSIMD = "simd"
	// GroupCompile holds modules that are only compiled (CompileOnly).
	GroupCompile = "compile"
)

// Groups lists the groups in table order.
var Groups = []string{GroupC, GroupGo, GroupSIMD, GroupMicro, GroupCompile}

// Env locates the built binaries and generated inputs.
type Env struct {
	BinDir       string // <cache>/bin from build.sh
	InputDir     string // generated stdin files
	WorkloadsDir string // bench/workloads (scripts and inputs kept in git)
	Scale        float64
	// RunNative runs a native binary (used to derive inputs such as a
	// compressed stream from the generated plain one).
	RunNative func(bin string, args []string, stdin, stdout string) error
}

// Workload is one row of the table.
type Workload struct {
	Name  string
	Group string
	Bin   string // <Bin>.wasm and <Bin>.native in Env.BinDir
	// Args returns argv without argv[0] for the given size scale.
	Args func(scale float64) []string
	// Stdin creates (or reuses) the stdin file; nil means empty stdin.
	Stdin func(e *Env) (string, error)
	// NativeEnv is extra environment for the native process.
	NativeEnv []string
	// Check selects how stdout is compared with native's.
	Check Check
	// Note is shown in the report next to the workload.
	Note string
	// CompileOnly marks a module that is compiled but never run (it
	// imports host functions beyond WASI): it has no native build, and
	// only its compile times are measured.
	CompileOnly bool
}

// Paths returns the wasm and native binary paths.
func (w *Workload) Paths(e *Env) (wasm, native string) {
	return filepath.Join(e.BinDir, w.Bin+".wasm"), filepath.Join(e.BinDir, w.Bin+".native")
}

// Missing reports the binaries that have not been built.
func (w *Workload) Missing(e *Env) []string {
	var miss []string
	wasm, native := w.Paths(e)
	paths := []string{wasm, native}
	if w.CompileOnly {
		paths = paths[:1]
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			miss = append(miss, p)
		}
	}
	return miss
}

func fixed(args ...string) func(float64) []string {
	return func(float64) []string { return args }
}

// scaled returns base×scale rounded, at least 1, as a decimal string.
func scaled(base int, scale float64) string {
	n := int(math.Round(float64(base) * scale))
	return strconv.Itoa(max(n, 1))
}

func goBench(name string, iters int) func(float64) []string {
	return func(s float64) []string {
		return []string{"-test.run=^$", "-test.bench=^" + name + "$", "-test.benchtime=" + scaled(iters, s) + "x"}
	}
}

const mib = 1 << 20

// All returns every workload in table order.
func All() []*Workload {
	return []*Workload{
		{Name: "bzip2-compress", Group: GroupC, Bin: "bzip2", Args: fixed("-c", "-9"),
			Stdin: textInput("text", 10*mib), Check: Exact, Note: "bzip2 -9 of ~10 MiB generated text"},
		{Name: "bzip2-decompress", Group: GroupC, Bin: "bzip2", Args: fixed("-d", "-c"),
			Stdin: derivedInput("text.bz2", textInput("text", 10*mib), "bzip2", "-c", "-9"), Check: Exact},
		{Name: "zlib-compress", Group: GroupC, Bin: "minigzip", Args: fixed("-6"),
			Stdin: textInput("text", 10*mib), Check: Exact, Note: "zlib's test/minigzip"},
		{Name: "zlib-decompress", Group: GroupC, Bin: "minigzip", Args: fixed("-d"),
			Stdin: derivedInput("text.gz", textInput("text", 10*mib), "minigzip", "-6"), Check: Exact},
		{Name: "lua-fannkuch", Group: GroupC, Bin: "lua",
			Args: func(s float64) []string {
				n := "9"
				if s >= 4 {
					n = "10"
				}
				return []string{"-", n}
			},
			Stdin: fileInput("fannkuch.lua", "lua/fannkuch.lua"), Check: Exact, Note: "lua5.4 running fannkuch-redux"},
		{Name: "kernels", Group: GroupC, Bin: "kernels", Args: func(s float64) []string { return []string{scaled(8000, s)} },
			Check: Exact, Note: "workloads/c/kernels.c: linked list, state machine, integer matrices, CRC16"},
		{Name: "sqlite-memory", Group: GroupC, Bin: "sqlite", Stdin: sqlInput(100000), Args: fixed(),
			Check: Exact, Note: "inserts, index, aggregate and point queries on :memory:"},

		{Name: "go-sha256", Group: GroupGo, Bin: "go-crypto-sha256", Args: goBench("BenchmarkHash8K", 5000),
			NativeEnv: []string{"GOMAXPROCS=1"}, Check: GoBench},
		{Name: "go-sort", Group: GroupGo, Bin: "go-sort", Args: goBench("BenchmarkSortInt64K", 20),
			NativeEnv: []string{"GOMAXPROCS=1"}, Check: GoBench},
		{Name: "go-strconv", Group: GroupGo, Bin: "go-strconv", Args: goBench("BenchmarkAppendQuote", 300000),
			NativeEnv: []string{"GOMAXPROCS=1"}, Check: GoBench},
		{Name: "go-regexp", Group: GroupGo, Bin: "go-regexp", Args: goBench("BenchmarkMatchClass", 100000),
			NativeEnv: []string{"GOMAXPROCS=1"}, Check: GoBench},
		{Name: "go-json", Group: GroupGo, Bin: "go-encoding-json", Args: goBench("BenchmarkUnmarshalMap", 50000),
			NativeEnv: []string{"GOMAXPROCS=1"}, Check: GoBench},

		{Name: "simd-image", Group: GroupSIMD, Bin: "simd-image",
			Args:  func(s float64) []string { return []string{"1920", "1080", scaled(100, s)} },
			Check: Exact, Note: "RGB→YCbCr and a separable 5-tap blur of each plane, 1920×1080"},
		{Name: "simd-hash", Group: GroupSIMD, Bin: "simd-hash",
			// 16 MiB: node (v20 here) segfaults once a module's memory reaches 32 MiB.
			Args:  func(s float64) []string { return []string{"16", scaled(48, s)} },
			Check: Exact, Note: "Adler-32 (blocked), CRC-32 (slicing by 8) and an 8-lane hash, 16 MiB per round"},
		{Name: "simd-zlib-compress", Group: GroupSIMD, Bin: "simd-minigzip", Args: fixed("-6"),
			Stdin: textInput("text", 10*mib), Check: Exact, Note: "zlib-compress's minigzip built -O3 -msimd128"},
		{Name: "simd-zlib-decompress", Group: GroupSIMD, Bin: "simd-minigzip", Args: fixed("-d"),
			Stdin: derivedInput("text.gz", textInput("text", 10*mib), "minigzip", "-6"), Check: Exact},

		{Name: "hello", Group: GroupMicro, Bin: "micro-hello", Args: fixed(), Check: Exact,
			Note: "instantiate + _start + exit"},
		{Name: "hostcall", Group: GroupMicro, Bin: "micro-hostcall", Args: func(s float64) []string { return []string{scaled(2000000, s)} },
			Check: Exact, Note: "clock_time_get loop"},
		{Name: "memcpy", Group: GroupMicro, Bin: "micro-memcpy", Args: func(s float64) []string { return []string{scaled(20, s)} },
			Check: Exact},
		{Name: "randmem", Group: GroupMicro, Bin: "micro-randmem", Args: func(s float64) []string { return []string{scaled(10000000, s)} },
			Check: Exact},
		{Name: "call-indirect", Group: GroupMicro, Bin: "micro-indirect", Args: func(s float64) []string { return []string{scaled(30000000, s)} },
			Check: Exact},
		{Name: "cat-100MiB", Group: GroupMicro, Bin: "micro-cat", Args: fixed(),
			Stdin: binaryInput("stream", 100*mib), Check: Exact, Note: "stdin → stdout, 64 KiB blocks"},

		{Name: "ruby", Group: GroupCompile, Bin: "ruby", Args: fixed(), CompileOnly: true,
			Note: "CRuby 3.4 with its standard library (npm @ruby/3.4-wasm-wasi 2.10.1, dist/ruby+stdlib.wasm, 30.6 MB, one 138 KB interpreter function); compiled only: it imports JavaScript host functions"},
	}
}

// Select returns the workloads whose name or group is in names (all when
// names is empty), in table order.
func Select(names []string) ([]*Workload, error) {
	all := All()
	if len(names) == 0 {
		return all, nil
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var out []*Workload
	for _, w := range all {
		if want[w.Name] || want[w.Group] {
			out = append(out, w)
			delete(want, w.Name)
		}
	}
	for _, w := range all {
		delete(want, w.Group)
	}
	for n := range want {
		return nil, fmt.Errorf("unknown workload or group %q", n)
	}
	return out, nil
}
