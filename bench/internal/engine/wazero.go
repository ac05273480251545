package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// wazeroVersion is the module version pinned in go.mod.
const wazeroVersion = "wazero v1.12.0"

func init() {
	Register("wazero", 20, func() (Engine, error) { return wazeroEngine{interp: false}, nil })
	Register("wazero-interp", 50, func() (Engine, error) { return wazeroEngine{interp: true}, nil })
}

// wazeroEngine runs the module in-process with wazero's optimizing compiler
// or its interpreter.
type wazeroEngine struct{ interp bool }

func (e wazeroEngine) Name() string {
	if e.interp {
		return "wazero-interp"
	}
	return "wazero"
}

func (e wazeroEngine) Version() string {
	if e.interp {
		return wazeroVersion + " (interpreter)"
	}
	return wazeroVersion + " (compiler)"
}

func (wazeroEngine) Native() bool { return false }
func (e wazeroEngine) Slow() bool { return e.interp }

// CompileOnly compiles wasm in a fresh runtime of the engine's kind.
func (e wazeroEngine) CompileOnly(ctx context.Context, wasm string) (time.Duration, error) {
	bin, err := os.ReadFile(wasm)
	if err != nil {
		return 0, err
	}
	cfg := wazero.NewRuntimeConfigCompiler()
	if e.interp {
		cfg = wazero.NewRuntimeConfigInterpreter()
	}
	r := wazero.NewRuntimeWithConfig(ctx, cfg)
	defer r.Close(context.Background())
	t0 := time.Now()
	compiled, err := r.CompileModule(ctx, bin)
	took := time.Since(t0)
	if err != nil {
		return 0, fmt.Errorf("compile: %w", err)
	}
	compiled.Close(ctx)
	return took, nil
}

func (e wazeroEngine) Run(ctx context.Context, p Program, inv Invocation) (Sample, error) {
	var s Sample
	bin, err := os.ReadFile(p.Wasm)
	if err != nil {
		return s, err
	}
	// Deadline checks (WithCloseOnContextDone) cost the compiler about 3×
	// on call-heavy code, so only the interpreter, which needs the time
	// cap, gets them; a compiled run is not interrupted at the cap.
	cfg := wazero.NewRuntimeConfigCompiler()
	if e.interp {
		cfg = wazero.NewRuntimeConfigInterpreter().WithCloseOnContextDone(true)
	}
	// A fresh runtime per run: nothing compiled is reused across samples.
	r := wazero.NewRuntimeWithConfig(ctx, cfg)
	defer r.Close(context.Background())
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, r); err != nil {
		return s, err
	}

	t0 := time.Now()
	compiled, err := r.CompileModule(ctx, bin)
	s.Compile = time.Since(t0)
	if err != nil {
		return s, fmt.Errorf("compile: %w", err)
	}

	stdin, out, stderr, done, err := stdio(inv)
	if err != nil {
		return s, err
	}
	defer done()
	mc := wazero.NewModuleConfig().
		WithName("").
		WithArgs(append([]string{filepath.Base(p.Wasm)}, inv.Args...)...).
		WithStdin(stdin).WithStdout(out).WithStderr(stderr).
		WithSysWalltime().WithSysNanotime().WithSysNanosleep().
		WithStartFunctions() // _start is called below, timed apart

	t1 := time.Now()
	mod, err := r.InstantiateModule(ctx, compiled, mc)
	s.Instantiate = time.Since(t1)
	if err != nil {
		return s, fmt.Errorf("instantiate: %w", err)
	}
	start := mod.ExportedFunction("_start")
	if start == nil {
		return s, errors.New("module has no _start export")
	}
	s.Split = true
	t2 := time.Now()
	_, err = start.Call(ctx)
	s.Run = time.Since(t2)
	if ctx.Err() != nil {
		return s, ErrTimeout
	}
	var exit *sys.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		if exit.ExitCode() == sys.ExitCodeDeadlineExceeded || exit.ExitCode() == sys.ExitCodeContextCanceled {
			return s, ErrTimeout
		}
		s.ExitCode = int(exit.ExitCode())
	default:
		if ctx.Err() != nil {
			return s, ErrTimeout
		}
		return s, fmt.Errorf("run: %w", err)
	}
	return s, nil
}
