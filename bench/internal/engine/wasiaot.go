package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/wasiaot/wasiaot/compiler"
	"github.com/wasiaot/wasiaot/runtime"
	"github.com/wasiaot/wasiaot/runtime/artifact"
	"github.com/wasiaot/wasiaot/wasi"
)

func init() {
	Register("wasiaot", 15, newWasiaot)
	RegisterOnRequest("wasiaot-v3", 16, newWasiaotV3)
}

// wasiaotEngine runs modules with this repository's compiler and runtime,
// in-process. A module is compiled once per process to an artifact file
// (what `wasiaot build` writes); compile time is measured in the harness's
// compile phase (CompileOnly). Each run maps that file into a fresh
// runtime and instantiates it with the WASI host, as a deployment of a
// prebuilt artifact would.
type wasiaotEngine struct {
	artifacts buildCache // wasm path → artifact path
	name      string
	opts      compiler.Options
}

func newWasiaot() (Engine, error) {
	return &wasiaotEngine{artifacts: buildCache{prefix: "bench-wasiaot-"}, name: "wasiaot", opts: compiler.DefaultOptions()}, nil
}

// newWasiaotV3 is wasiaot with code for x86-64-v3 (--cpu x86-64-v3: VEX
// encodings, AVX2, BMI2), on machines that have it; run it by name
// (-engines wasiaot,wasiaot-v3) to compare with the default level.
func newWasiaotV3() (Engine, error) {
	opts := compiler.DefaultOptions()
	cpu, err := compiler.ParseCPU(opts.Target, "x86-64-v3")
	if err != nil {
		return nil, err
	}
	if missing := cpu &^ artifact.DetectHost().Features; missing != 0 {
		return nil, fmt.Errorf("this machine lacks %v", missing)
	}
	opts.CPU = cpu
	return &wasiaotEngine{artifacts: buildCache{prefix: "bench-wasiaot-v3-"}, name: "wasiaot-v3", opts: opts}, nil
}

func (e *wasiaotEngine) Name() string { return e.name }
func (e *wasiaotEngine) Version() string {
	return "wasiaot " + compiler.Version + " (in-process, OptLevel 2, --cpu " + compiler.CPUName(e.opts.Target, e.opts.CPU) + ")"
}
func (e *wasiaotEngine) Native() bool { return false }

func (e *wasiaotEngine) Run(ctx context.Context, p Program, inv Invocation) (Sample, error) {
	var s Sample
	artifactPath, compile, err := e.build(p.Wasm)
	if err != nil {
		return s, err
	}
	s.Compile = compile

	stdin, out, stderr, done, err := stdio(inv)
	if err != nil {
		return s, err
	}
	defer done()
	host, err := wasi.New(wasi.Config{
		Args:   append([]string{filepath.Base(p.Wasm)}, inv.Args...),
		Stdin:  stdin,
		Stdout: out,
		Stderr: stderr,
	})
	if err != nil {
		return s, err
	}
	defer host.Close()

	// A fresh runtime per run: no loaded module or instance is reused
	// across samples. The library does keep a few freed linear memory
	// reservations (zeroed), vmctx blocks and native stacks process-wide,
	// the way Go's heap keeps freed memory for the wazero engines.
	rt := runtime.New(runtime.Config{})
	defer rt.Close()

	t1 := time.Now()
	mod, err := rt.LoadFile(artifactPath)
	if err != nil {
		return s, fmt.Errorf("load: %w", err)
	}
	defer mod.Close()
	inst, err := mod.Instantiate(ctx, host.Imports())
	s.Instantiate = time.Since(t1)
	if err != nil {
		return s, fmt.Errorf("instantiate: %w", err)
	}
	defer inst.Close()
	start := inst.ExportedFunction("_start")
	if start == nil {
		return s, errors.New("module has no _start export")
	}

	s.Split = true
	t2 := time.Now()
	_, err = start.Call(ctx)
	s.Run = time.Since(t2)
	var exit *wasi.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		s.ExitCode = int(exit.Code)
	default:
		if ctx.Err() != nil {
			return s, ErrTimeout
		}
		return s, fmt.Errorf("run: %w", err)
	}
	return s, nil
}

// Close removes the artifacts.
func (e *wasiaotEngine) Close() error { return e.artifacts.Close() }

// CompileOnly compiles wasm again and returns how long compiler.Compile
// took; the artifact is discarded.
func (e *wasiaotEngine) CompileOnly(_ context.Context, wasm string) (time.Duration, error) {
	bin, err := os.ReadFile(wasm)
	if err != nil {
		return 0, err
	}
	t0 := time.Now()
	_, err = compiler.Compile(bin, e.opts)
	took := time.Since(t0)
	if err != nil {
		return 0, fmt.Errorf("compile: %w", err)
	}
	return took, nil
}

// build returns the artifact for wasm, compiling it on first use. The time
// returned is that of compiler.Compile alone (zero when already built).
func (e *wasiaotEngine) build(wasm string) (string, time.Duration, error) {
	return e.artifacts.get(wasm, func(dir string) (string, time.Duration, error) {
		bin, err := os.ReadFile(wasm)
		if err != nil {
			return "", 0, err
		}
		t0 := time.Now()
		so, err := compiler.Compile(bin, e.opts)
		compile := time.Since(t0)
		if err != nil {
			return "", 0, fmt.Errorf("compile: %w", err)
		}
		a := filepath.Join(dir, "prog.so")
		if err := os.WriteFile(a, so, 0o644); err != nil {
			return "", 0, err
		}
		return a, compile, nil
	})
}
