// Package harness runs every selected workload on every selected engine,
// repetitions interleaved (the engine order rotates each repetition so that
// drift in machine load spreads evenly), and checks each run's output
// against the native build's.
package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/wasiaot/wasiaot/bench/internal/engine"
	"github.com/wasiaot/wasiaot/bench/internal/workload"
)

// Status of one (workload, engine) cell.
type Status string

const (
	OK          Status = "ok"
	Wrong       Status = "wrong"   // output or exit code differs from native
	Failed      Status = "failed"  // the engine reported an error
	Capped      Status = "capped"  // a run exceeded the time cap
	Unavailable Status = "missing" // binaries not built
	Skipped     Status = "n/a"     // the engine does not take this program
)

// Config selects what to run.
type Config struct {
	Engines     []engine.Engine
	Workloads   []*workload.Workload
	Env         *workload.Env
	Reps        int           // repetitions per fast engine
	SlowReps    int           // repetitions per slow engine (interpreters)
	Timeout     time.Duration // cap per run, fast engines
	SlowTimeout time.Duration // cap per run, slow engines
	Warmup      bool          // one untimed run per fast engine before the timed ones
	// CompileReps is how many times each engine that implements
	// engine.Compiler compiles each module in the compile phase, before
	// the module's runs (0: none).
	CompileReps int
	WorkDir     string // scratch space for stdout files
	Log         io.Writer
}

// Cell is the outcome of one workload on one engine.
type Cell struct {
	Workload string          `json:"workload"`
	Engine   string          `json:"engine"`
	Status   Status          `json:"status"`
	Detail   string          `json:"detail,omitempty"`
	Samples  []engine.Sample `json:"samples"`
	// Compiles are the compile phase's times (engine.Compiler).
	Compiles []time.Duration `json:"compiles_ns,omitempty"`
	// CompileCPU is, per compile in Compiles, the CPU time (user + system,
	// every thread) the bench process used meanwhile: the engines compile
	// in-process, some on several threads.
	CompileCPU []time.Duration `json:"compile_cpu_ns,omitempty"`
}

// Reference is native's answer for a workload.
type Reference struct {
	Digest   string `json:"digest"`
	ExitCode int    `json:"exit_code"`
}

// Outcome is everything one harness run measured.
type Outcome struct {
	Cells      []*Cell              `json:"cells"`
	References map[string]Reference `json:"references"`
	Args       map[string][]string  `json:"args"`
}

// Cell returns the cell for (workload, engine), or nil.
func (o *Outcome) Cell(w, e string) *Cell {
	for _, c := range o.Cells {
		if c.Workload == w && c.Engine == e {
			return c
		}
	}
	return nil
}

// Run executes the configuration. Per-cell problems are recorded in the
// cells; the error is for problems that stop the whole run.
func Run(ctx context.Context, cfg Config) (*Outcome, error) {
	if cfg.Reps < 1 {
		return nil, errors.New("repetitions must be at least 1")
	}
	if err := os.MkdirAll(cfg.WorkDir, 0o755); err != nil {
		return nil, err
	}
	logf := func(format string, args ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, format+"\n", args...)
		}
	}
	out := &Outcome{References: map[string]Reference{}, Args: map[string][]string{}}
	for _, w := range cfg.Workloads {
		args := w.Args(cfg.Env.Scale)
		out.Args[w.Name] = args
		cells := map[string]*Cell{}
		for _, e := range cfg.Engines {
			c := &Cell{Workload: w.Name, Engine: e.Name(), Status: OK}
			cells[e.Name()] = c
			out.Cells = append(out.Cells, c)
		}
		fail := func(st Status, detail string) {
			for _, c := range cells {
				c.Status, c.Detail = st, detail
			}
		}
		if w.CompileOnly {
			for _, e := range cfg.Engines {
				if _, ok := e.(engine.Compiler); !ok || engine.IsSlow(e) {
					c := cells[e.Name()]
					c.Status, c.Detail = Skipped, "a module that is only compiled, and this engine does not compile apart from running"
				}
			}
		}
		if miss := w.Missing(cfg.Env); len(miss) > 0 {
			fail(Unavailable, "not built: "+strings.Join(miss, ", ")+" (run workloads/build.sh)")
			logf("%s: skipped, binaries missing", w.Name)
			continue
		}
		wasm, native := w.Paths(cfg.Env)
		prog := engine.Program{Name: w.Name, Wasm: wasm, Native: native}
		if w.CompileOnly {
			compilePhase(ctx, cfg, w, prog, cells, logf)
			continue
		}
		stdin := ""
		if w.Stdin != nil {
			p, err := w.Stdin(cfg.Env)
			if err != nil {
				fail(Failed, "input: "+err.Error())
				logf("%s: input: %v", w.Name, err)
				continue
			}
			stdin = p
		}
		ref, err := reference(ctx, cfg, w, prog, args, stdin)
		if err != nil {
			fail(Failed, "native reference: "+err.Error())
			logf("%s: native reference failed: %v", w.Name, err)
			continue
		}
		out.References[w.Name] = ref

		compilePhase(ctx, cfg, w, prog, cells, logf)
		if cfg.Warmup {
			// First-use costs (page faults, lazily initialised engine
			// state, disk cache) land here, not in the first sample. A
			// failure is kept: the timed runs would fail the same way.
			for _, e := range cfg.Engines {
				if !engine.IsSlow(e) {
					runOne(ctx, cfg, w, e, prog, args, stdin, ref, cfg.Timeout, cells[e.Name()])
					cells[e.Name()].Samples = nil
				}
			}
		}
		for rep := 0; rep < max(cfg.Reps, cfg.SlowReps); rep++ {
			for i := range cfg.Engines {
				e := cfg.Engines[(i+rep)%len(cfg.Engines)]
				c := cells[e.Name()]
				slow := engine.IsSlow(e)
				reps, capDur := cfg.Reps, cfg.Timeout
				if slow {
					reps, capDur = cfg.SlowReps, cfg.SlowTimeout
				}
				if c.Status != OK || rep >= reps {
					continue
				}
				runOne(ctx, cfg, w, e, prog, args, stdin, ref, capDur, c)
				last := "-"
				if n := len(c.Samples); n > 0 && c.Status == OK {
					last = c.Samples[n-1].Exec().Round(time.Millisecond).String()
				}
				logf("%-18s %-14s rep %d: %s %s", w.Name, e.Name(), rep+1, c.Status, last)
			}
		}
	}
	return out, nil
}

// compilePhase compiles the module of w with every engine that can
// compile apart from running, the engines taking turns, before any run.
// The first round is untimed: it warms what a process's first compiles
// pay for (heap growth, lazily built tables).
func compilePhase(ctx context.Context, cfg Config, w *workload.Workload, prog engine.Program, cells map[string]*Cell, logf func(string, ...any)) {
	for rep := -1; rep < cfg.CompileReps && cfg.CompileReps > 0; rep++ {
		for i := range cfg.Engines {
			e := cfg.Engines[(i+max(rep, 0))%len(cfg.Engines)]
			comp, ok := e.(engine.Compiler)
			if !ok || engine.IsSlow(e) {
				continue
			}
			c := cells[e.Name()]
			cpu0 := processCPU()
			d, err := comp.CompileOnly(ctx, prog.Wasm)
			cpu := processCPU() - cpu0
			if err != nil {
				logf("%-18s %-14s compile %d: %v", w.Name, e.Name(), rep+1, err)
				if w.CompileOnly {
					c.Status, c.Detail = Failed, "compile: "+err.Error()
				}
				continue // the runs report it
			}
			if rep < 0 {
				continue
			}
			c.Compiles = append(c.Compiles, d)
			c.CompileCPU = append(c.CompileCPU, cpu)
			logf("%-18s %-14s compile %d: %s (CPU %s)", w.Name, e.Name(), rep+1, d.Round(time.Microsecond), cpu.Round(time.Microsecond))
		}
	}
}

// processCPU returns the CPU time (user + system) the process has used,
// or 0 if it cannot be read.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reference runs the native build once to learn the expected output. It
// also warms the page cache for the input.
func reference(ctx context.Context, cfg Config, w *workload.Workload, prog engine.Program, args []string, stdin string) (Reference, error) {
	stdout := filepath.Join(cfg.WorkDir, w.Name+".reference.out")
	defer os.Remove(stdout)
	var stderr bytes.Buffer
	rctx, cancel := context.WithTimeout(ctx, max(cfg.Timeout, 10*time.Minute))
	defer cancel()
	s, err := engine.RunNative(rctx, prog, engine.Invocation{Args: args, StdinPath: stdin, StdoutPath: stdout, Stderr: limit(&stderr)}, w.NativeEnv)
	if err != nil {
		return Reference{}, err
	}
	if s.ExitCode != 0 {
		return Reference{}, fmt.Errorf("exit code %d: %s", s.ExitCode, tail(stderr.String()))
	}
	d, err := w.Check.Digest(stdout)
	if err != nil {
		return Reference{}, err
	}
	return Reference{Digest: d, ExitCode: s.ExitCode}, nil
}

func runOne(ctx context.Context, cfg Config, w *workload.Workload, e engine.Engine, prog engine.Program, args []string, stdin string, ref Reference, capDur time.Duration, c *Cell) {
	stdout := filepath.Join(cfg.WorkDir, w.Name+"."+e.Name()+".out")
	defer os.Remove(stdout)
	var stderr bytes.Buffer
	inv := engine.Invocation{Args: args, StdinPath: stdin, StdoutPath: stdout, Stderr: limit(&stderr)}
	rctx, cancel := context.WithTimeout(ctx, capDur)
	defer cancel()
	var s engine.Sample
	var err error
	if e.Native() {
		s, err = engine.RunNative(rctx, prog, inv, w.NativeEnv)
	} else {
		s, err = e.Run(rctx, prog, inv)
	}
	switch {
	case errors.Is(err, engine.ErrTimeout):
		c.Status, c.Detail = Capped, fmt.Sprintf("> %s", capDur)
		return
	case errors.Is(err, engine.ErrUnsupported):
		c.Status, c.Detail = Skipped, err.Error()
		return
	case err != nil:
		c.Status, c.Detail = Failed, oneLine(err.Error()+" "+tail(stderr.String()))
		return
	}
	if s.ExitCode != ref.ExitCode {
		c.Status, c.Detail = Wrong, fmt.Sprintf("exit code %d, native %d: %s", s.ExitCode, ref.ExitCode, oneLine(tail(stderr.String())))
		return
	}
	d, err := w.Check.Digest(stdout)
	if err != nil {
		c.Status, c.Detail = Failed, "reading output: "+err.Error()
		return
	}
	if d != ref.Digest {
		c.Status, c.Detail = Wrong, "stdout differs from native"
		return
	}
	c.Samples = append(c.Samples, s)
}

// limitedBuffer keeps the first 64 KiB written to it.
type limitedBuffer struct{ b *bytes.Buffer }

func limit(b *bytes.Buffer) io.Writer { return limitedBuffer{b} }

func (l limitedBuffer) Write(p []byte) (int, error) {
	if room := 64<<10 - l.b.Len(); room > 0 {
		l.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func tail(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 300 {
		s = "…" + s[len(s)-300:]
	}
	return s
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
