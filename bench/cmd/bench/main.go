// Command bench runs the wasm benchmark workloads on every engine and writes
// bench/results/<date>.{md,json,svg}.
//
//	cd bench && go run ./cmd/bench [-engines a,b] [-workloads C,go-sort] [-reps 5]
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/wasiaot/wasiaot/bench/internal/engine"
	"github.com/wasiaot/wasiaot/bench/internal/harness"
	"github.com/wasiaot/wasiaot/bench/internal/report"
	"github.com/wasiaot/wasiaot/bench/internal/workload"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		engines     = flag.String("engines", "", "comma-separated engines (default: all available; see -list)")
		workloads   = flag.String("workloads", "", "comma-separated workloads or groups C, Go, simd, micro, compile (default: all)")
		reps        = flag.Int("reps", 5, "repetitions per engine")
		slowReps    = flag.Int("slow-reps", 1, "repetitions for slow engines (interpreters)")
		timeout     = flag.Duration("timeout", 2*time.Minute, "time cap per run")
		slowTimeout = flag.Duration("slow-timeout", 10*time.Second, "time cap per run for slow engines")
		scale       = flag.Float64("scale", 1, "input size / iteration scale")
		dir         = flag.String("dir", "", "bench module directory (default: found from the working directory)")
		cache       = flag.String("cache", "", "build cache (default: <dir>/.cache)")
		out         = flag.String("out", "", "results directory (default: <dir>/results)")
		name        = flag.String("name", "", "results file name without extension (default: the date)")
		chartExt    = flag.String("chart", "svg", "chart format: svg, png or pdf")
		build       = flag.Bool("build", true, "run workloads/build.sh first (idempotent)")
		warmup      = flag.Bool("warmup", false, "one untimed run per fast engine and workload before the timed ones")
		compileReps = flag.Int("compile-reps", -1, "compiles per engine and module in the compile phase, before the runs (default: -reps)")
		list        = flag.Bool("list", false, "list engines and workloads, then exit")
	)
	flag.Parse()

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

	if *list {
		fmt.Println("engines:")
		for _, n := range engine.Names() {
			if _, err := engine.New(n); err != nil {
				fmt.Printf("  %-14s unavailable: %v\n", n, err)
			} else {
				fmt.Printf("  %s\n", n)
			}
		}
		fmt.Println("workloads:")
		for _, w := range workload.All() {
			fmt.Printf("  %-18s %-6s %s\n", w.Name, w.Group, w.Note)
		}
		return nil
	}

	ws, err := workload.Select(workload.SplitList(*workloads))
	if err != nil {
		return err
	}
	engs, infos, err := openEngines(workload.SplitList(*engines))
	if err != nil {
		return err
	}

	defer func() {
		for _, e := range engs {
			engine.Close(e)
		}
	}()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	if *build {
		script := filepath.Join(benchDir, "workloads", "build.sh")
		cmd := exec.CommandContext(ctx, "bash", script)
		cmd.Env = append(os.Environ(), "BENCH_CACHE="+*cache)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %w", script, err)
		}
	}

	env := &workload.Env{
		BinDir:       filepath.Join(*cache, "bin"),
		InputDir:     filepath.Join(*cache, "inputs"),
		WorkloadsDir: filepath.Join(benchDir, "workloads"),
		Scale:        *scale,
		RunNative: func(bin string, args []string, stdin, stdout string) error {
			var stderr bytes.Buffer
			s, err := engine.RunNative(ctx, engine.Program{Native: bin}, engine.Invocation{Args: args, StdinPath: stdin, StdoutPath: stdout, Stderr: &stderr}, nil)
			if err == nil && s.ExitCode != 0 {
				err = fmt.Errorf("exit code %d: %s", s.ExitCode, stderr.String())
			}
			return err
		},
	}
	rep := &report.Report{
		Date:    time.Now(),
		Machine: report.DetectMachine(),
		Config: report.Config{Reps: *reps, SlowReps: *slowReps, TimeoutS: timeout.Seconds(),
			SlowTimeout: slowTimeout.Seconds(), Scale: *scale, Warmup: *warmup},
		Engines: infos,
	}
	for _, w := range ws {
		rep.Workloads = append(rep.Workloads, report.WorkloadInfo{Name: w.Name, Group: w.Group,
			Args: w.Args(*scale), Check: w.Check.String(), Note: w.Note})
	}

	work, err := os.MkdirTemp("", "bench-run-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if *compileReps < 0 {
		*compileReps = *reps
	}
	rep.Config.CompileReps = *compileReps
	rep.Outcome, err = harness.Run(ctx, harness.Config{
		Engines: engs, Workloads: ws, Env: env,
		Reps: *reps, SlowReps: *slowReps, Timeout: *timeout, SlowTimeout: *slowTimeout,
		Warmup: *warmup, CompileReps: *compileReps, WorkDir: work, Log: os.Stderr,
	})
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return errors.New("interrupted")
	}
	return writeResults(rep, *out, *name, *chartExt)
}

// openEngines creates the requested engines (all registered ones when none
// are named). Native is always included: it is the reference for outputs
// and ratios. An engine that cannot start is listed as unavailable when it
// was not asked for by name, and is an error when it was.
func openEngines(names []string) ([]engine.Engine, []report.EngineInfo, error) {
	explicit := len(names) > 0
	if !explicit {
		for _, n := range engine.Names() {
			if !engine.OnRequest(n) {
				names = append(names, n)
			}
		}
	}
	if !contains(names, report.Baseline) {
		names = append([]string{report.Baseline}, names...)
	}
	var engs []engine.Engine
	var infos []report.EngineInfo
	for _, n := range engine.Names() {
		if !contains(names, n) {
			continue
		}
		e, err := engine.New(n)
		if err != nil {
			if explicit && n != report.Baseline {
				return nil, nil, err
			}
			infos = append(infos, report.EngineInfo{Name: n, Unavailable: err.Error()})
			continue
		}
		engs = append(engs, e)
		infos = append(infos, report.EngineInfo{Name: n, Version: e.Version(), Slow: engine.IsSlow(e)})
	}
	for _, n := range names {
		if !contains(engine.Names(), n) {
			return nil, nil, fmt.Errorf("unknown engine %q (have %s)", n, strings.Join(engine.Names(), ", "))
		}
	}
	return engs, infos, nil
}

func writeResults(rep *report.Report, dir, name, chartExt string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if name == "" {
		name = rep.Date.Format("2006-01-02")
	}
	base := filepath.Join(dir, name)
	for _, f := range []struct {
		ext   string
		write func(io.Writer) error
	}{
		{".md", rep.WriteMarkdown},
		{".json", rep.WriteJSON},
	} {
		if err := report.WriteFile(base+f.ext, f.write); err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "wrote", base+f.ext)
	}
	if err := rep.SaveChart(base + "." + chartExt); err != nil {
		fmt.Fprintln(os.Stderr, "chart:", err)
	} else {
		fmt.Fprintln(os.Stderr, "wrote", base+"."+chartExt)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
