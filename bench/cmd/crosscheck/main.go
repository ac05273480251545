// Command crosscheck checks and measures wasiaot's cross-compiled arm64
// code on an amd64 host. For every bench workload it
//
//   - compiles the module with `--target amd64` and `--target arm64`
//     in-process (compiler.Compile, OptLevel 2), several times each, and
//     records the CPU time of each compile;
//   - runs the arm64 artifact under qemu-user with an arm64 build of the
//     wasiaot command (`wasiaot run APP.so -- ARGS`, the bench's
//     arguments and stdin) and compares stdout and exit code with the
//     native build's, as the bench does;
//   - measures code size: .text of both artifacts and the machine code
//     wazero's optimizing compiler produces for arm64 (cmd/wazerocode, an
//     arm64 build run under qemu, since wazero compiles only for its host).
//
// Results go to results/<date>-arm64.{md,json}. qemu run times are not
// performance figures and are not recorded.
//
//	cd bench && go run ./cmd/crosscheck [-workloads C,go-sort] [-reps 5]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"time"

	"github.com/wasiaot/wasiaot/bench/internal/engine"
	"github.com/wasiaot/wasiaot/bench/internal/report"
	"github.com/wasiaot/wasiaot/bench/internal/workload"
	"github.com/wasiaot/wasiaot/compiler"
)

// target is the architecture checked; host is the one crosscheck runs on.
const target = "arm64"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "crosscheck:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		workloads = flag.String("workloads", "", "comma-separated workloads or groups C, Go, simd, micro (default: all)")
		reps      = flag.Int("reps", 5, "timed compiles per target and module (the median is reported)")
		scale     = flag.Float64("scale", 1, "input size / iteration scale")
		timeout   = flag.Duration("timeout", 15*time.Minute, "cap per run under qemu")
		qemu      = flag.String("qemu", "qemu-aarch64-static", "qemu user-mode emulator for arm64")
		dir       = flag.String("dir", "", "bench module directory (default: found from the working directory)")
		cache     = flag.String("cache", os.Getenv("BENCH_CACHE"), "build cache (default: $BENCH_CACHE, else <dir>/.cache)")
		out       = flag.String("out", "", "results directory (default: <dir>/results)")
		name      = flag.String("name", "", "results file name without extension (default: <date>-arm64)")
		build     = flag.Bool("build", true, "run workloads/build.sh first (idempotent)")
	)
	flag.Parse()
	if goruntime.GOARCH == target {
		return fmt.Errorf("not supported: crosscheck runs on a host other than %s (it emulates %s with qemu)", target, target)
	}
	if *reps < 1 {
		return fmt.Errorf("-reps must be at least 1")
	}
	benchDir, err := workload.FindBenchDir(*dir)
	if err != nil {
		return err
	}
	if *cache == "" {
		*cache = filepath.Join(benchDir, ".cache")
	}
	if *out == "" {
		*out = filepath.Join(benchDir, "results")
	}
	ws, err := workload.Select(workload.SplitList(*workloads))
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	logf := func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

	if *build {
		if err := runBuildScript(ctx, benchDir, *cache); err != nil {
			return err
		}
	}
	work, err := os.MkdirTemp("", "crosscheck-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	tools, err := buildTools(ctx, benchDir, work, *qemu)
	if err != nil {
		return err
	}

	env := &workload.Env{
		BinDir:       filepath.Join(*cache, "bin"),
		InputDir:     filepath.Join(*cache, "inputs"),
		WorkloadsDir: filepath.Join(benchDir, "workloads"),
		Scale:        *scale,
		RunNative: func(bin string, args []string, stdin, stdout string) error {
			return runNativeOK(ctx, bin, args, stdin, stdout, nil)
		},
	}
	res := &Results{
		Date:     time.Now().UTC(),
		Host:     goruntime.GOARCH,
		Target:   target,
		Machine:  report.DetectMachine(),
		Compiler: "wasiaot " + compiler.Version,
		Qemu:     tools.qemuVersion,
		Wazero:   wazeroVersion,
		Reps:     *reps,
		Scale:    *scale,
		Command:  "cd bench && go run ./cmd/crosscheck " + strings.Join(os.Args[1:], " "),
	}
	modules := map[string]*Module{}
	// A module that does not compile (e.g. a feature not yet supported on
	// the target) fails its rows; the other workloads still run.
	compileErrs := map[string]error{}
	for _, w := range ws {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		row := Row{Workload: w.Name, Group: w.Group, Module: w.Bin + ".wasm", Args: w.Args(*scale)}
		if miss := w.Missing(env); len(miss) > 0 {
			row.Status, row.Detail = StatusMissing, "not built: "+strings.Join(miss, ", ")
			logf("%-18s missing: %s", w.Name, row.Detail)
			res.Rows = append(res.Rows, row)
			continue
		}
		wasmPath, _ := w.Paths(env)
		if cerr := compileErrs[w.Bin]; cerr != nil {
			row.Status, row.Detail = StatusFailed, cerr.Error()
			res.Rows = append(res.Rows, row)
			continue
		}
		m, ok := modules[w.Bin]
		if !ok {
			m, err = measureModule(ctx, tools, w.Bin, wasmPath, work, *reps, logf)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				compileErrs[w.Bin] = err
				row.Status, row.Detail = StatusFailed, err.Error()
				logf("%-18s %s", w.Name, row.Detail)
				res.Rows = append(res.Rows, row)
				continue
			}
			modules[w.Bin] = m
			res.Modules = append(res.Modules, m)
		}
		checkRow(ctx, tools, env, w, m, &row, work, *timeout, logf)
		res.Rows = append(res.Rows, row)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if *name == "" {
		*name = res.Date.Format("2006-01-02") + "-" + target
	}
	return res.Write(*out, *name)
}

// measureModule compiles the module for both targets (sizes and compile
// times), writes the target's artifact under work, and asks wazero for its
// code size.
func measureModule(ctx context.Context, t *tools, bin, wasmPath, work string, reps int, logf func(string, ...any)) (*Module, error) {
	wasm, err := os.ReadFile(wasmPath)
	if err != nil {
		return nil, err
	}
	m := &Module{Name: bin + ".wasm", WasmBytes: len(wasm)}
	c, err := compileBoth(wasm, []string{goruntime.GOARCH, target}, reps)
	if err != nil {
		return nil, err
	}
	host, cross := c[goruntime.GOARCH], c[target]
	if m.Host, err = codeSize(host.artifact); err != nil {
		return nil, fmt.Errorf("%s artifact: %w", goruntime.GOARCH, err)
	}
	if m.Target, err = codeSize(cross.artifact); err != nil {
		return nil, fmt.Errorf("%s artifact: %w", target, err)
	}
	m.HostCompileCPU, m.TargetCompileCPU = host.cpu, cross.cpu
	m.artifact = filepath.Join(work, bin+"-"+target+".so")
	if err := os.WriteFile(m.artifact, cross.artifact, 0o644); err != nil {
		return nil, err
	}
	logf("%-18s .text %s %d, %s %d; compile CPU median %s %s, %s %s", m.Name,
		goruntime.GOARCH, m.Host.Text, target, m.Target.Text,
		goruntime.GOARCH, median(m.HostCompileCPU).Round(time.Millisecond), target, median(m.TargetCompileCPU).Round(time.Millisecond))
	wz, err := t.wazeroCode(ctx, wasmPath)
	if err != nil {
		m.WazeroError = err.Error()
		logf("%-18s wazero: %v", m.Name, err)
	} else {
		m.WazeroCode = wz
		logf("%-18s wazero %s code %d bytes", m.Name, target, wz)
	}
	return m, nil
}

// checkRow runs the workload natively and the target artifact under qemu
// and compares their outputs.
func checkRow(ctx context.Context, t *tools, env *workload.Env, w *workload.Workload, m *Module, row *Row, work string, timeout time.Duration, logf func(string, ...any)) {
	stdin := ""
	if w.Stdin != nil {
		p, err := w.Stdin(env)
		if err != nil {
			row.Status, row.Detail = StatusFailed, "input: "+err.Error()
			logf("%-18s %s", w.Name, row.Detail)
			return
		}
		stdin = p
	}
	_, native := w.Paths(env)
	refOut := filepath.Join(work, w.Name+".native.out")
	defer os.Remove(refOut)
	if err := runNativeOK(ctx, native, row.Args, stdin, refOut, w.NativeEnv); err != nil {
		row.Status, row.Detail = StatusFailed, "native reference: "+err.Error()
		logf("%-18s %s", w.Name, row.Detail)
		return
	}
	ref, err := w.Check.Digest(refOut)
	if err != nil {
		row.Status, row.Detail = StatusFailed, err.Error()
		return
	}
	emuOut := filepath.Join(work, w.Name+"."+target+".out")
	defer os.Remove(emuOut)
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t0 := time.Now()
	code, stderr, err := t.runArtifact(rctx, m.artifact, row.Args, stdin, emuOut)
	// Logged to follow progress; emulated time says nothing about arm64.
	logf("%-18s ran under qemu in %s", w.Name, time.Since(t0).Round(time.Second))
	switch {
	case rctx.Err() != nil && ctx.Err() == nil:
		row.Status, row.Detail = StatusFailed, fmt.Sprintf("over the %s cap under qemu", timeout)
	case err != nil:
		row.Status, row.Detail = StatusFailed, err.Error()
	case code != 0:
		row.Status, row.Detail = StatusWrong, fmt.Sprintf("exit code %d, native 0: %s", code, lastLine(stderr))
	default:
		d, err := w.Check.Digest(emuOut)
		switch {
		case err != nil:
			row.Status, row.Detail = StatusFailed, err.Error()
		case d != ref:
			row.Status, row.Detail = StatusWrong, "stdout differs from native"
		default:
			row.Status = StatusOK
		}
	}
	logf("%-18s output %s %s", w.Name, row.Status, row.Detail)
}

// runNativeOK runs a native binary and requires exit code 0.
func runNativeOK(ctx context.Context, bin string, args []string, stdin, stdout string, env []string) error {
	var stderr strings.Builder
	s, err := engine.RunNative(ctx, engine.Program{Native: bin}, engine.Invocation{Args: args, StdinPath: stdin, StdoutPath: stdout, Stderr: &stderr}, env)
	if err == nil && s.ExitCode != 0 {
		err = fmt.Errorf("exit code %d: %s", s.ExitCode, lastLine(stderr.String()))
	}
	return err
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if len(s) > 300 {
		s = "…" + s[len(s)-300:]
	}
	return s
}
