package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/bytecodealliance/wasmtime-go/v38"
)

const wasmtimeVersion = "wasmtime-go v38.0.1 (Cranelift)"

func init() { Register("wasmtime", 30, func() (Engine, error) { return wasmtimeEngine{}, nil }) }

// wasmtimeEngine runs modules through Wasmtime's C API. Compilation produces
// serialized machine code (what `wasmtime compile` writes); instantiation
// deserializes it into a fresh engine, as a precompiled deployment would.
type wasmtimeEngine struct{}

func (wasmtimeEngine) Name() string    { return "wasmtime" }
func (wasmtimeEngine) Version() string { return wasmtimeVersion }
func (wasmtimeEngine) Native() bool    { return false }

func newWasmtimeEngine() *wasmtime.Engine {
	cfg := wasmtime.NewConfig()
	cfg.SetEpochInterruption(true)
	return wasmtime.NewEngineWithConfig(cfg)
}

// CompileOnly compiles wasm with Cranelift in a fresh engine.
func (wasmtimeEngine) CompileOnly(_ context.Context, wasm string) (time.Duration, error) {
	bin, err := os.ReadFile(wasm)
	if err != nil {
		return 0, err
	}
	eng := newWasmtimeEngine()
	defer eng.Close()
	t0 := time.Now()
	mod, err := wasmtime.NewModule(eng, bin)
	took := time.Since(t0)
	if err != nil {
		return 0, fmt.Errorf("compile: %w", err)
	}
	mod.Close()
	return took, nil
}

func (wasmtimeEngine) Run(ctx context.Context, p Program, inv Invocation) (Sample, error) {
	var s Sample
	bin, err := os.ReadFile(p.Wasm)
	if err != nil {
		return s, err
	}

	compileEngine := newWasmtimeEngine()
	defer compileEngine.Close()
	t0 := time.Now()
	mod, err := wasmtime.NewModule(compileEngine, bin)
	s.Compile = time.Since(t0)
	if err != nil {
		return s, fmt.Errorf("compile: %w", err)
	}
	code, err := mod.Serialize()
	mod.Close()
	if err != nil {
		return s, fmt.Errorf("serialize: %w", err)
	}

	engine := newWasmtimeEngine()
	defer engine.Close()
	wasi := wasmtime.NewWasiConfig()
	wasi.SetArgv(append([]string{filepath.Base(p.Wasm)}, inv.Args...))
	if inv.StdinPath != "" {
		if err := wasi.SetStdinFile(inv.StdinPath); err != nil {
			return s, err
		}
	}
	if err := os.WriteFile(inv.StdoutPath, nil, 0o644); err != nil {
		return s, err
	}
	if err := wasi.SetStdoutFile(inv.StdoutPath); err != nil {
		return s, err
	}
	wasi.InheritStderr()

	t1 := time.Now()
	loaded, err := wasmtime.NewModuleDeserialize(engine, code)
	if err != nil {
		return s, fmt.Errorf("deserialize: %w", err)
	}
	defer loaded.Close()
	store := wasmtime.NewStore(engine)
	defer store.Close()
	store.SetWasi(wasi)
	store.SetEpochDeadline(1)
	linker := wasmtime.NewLinker(engine)
	defer linker.Close()
	if err := linker.DefineWasi(); err != nil {
		return s, err
	}
	inst, err := linker.Instantiate(store, loaded)
	s.Instantiate = time.Since(t1)
	if err != nil {
		return s, fmt.Errorf("instantiate: %w", err)
	}
	start := inst.GetFunc(store, "_start")
	if start == nil {
		return s, errors.New("module has no _start export")
	}

	// The epoch tick interrupts the guest once the deadline passes. The
	// goroutine is gone before the deferred engine.Close runs.
	done := make(chan struct{})
	var ticker sync.WaitGroup
	ticker.Add(1)
	go func() {
		defer ticker.Done()
		select {
		case <-ctx.Done():
			engine.IncrementEpoch()
		case <-done:
		}
	}()
	defer func() {
		close(done)
		ticker.Wait()
	}()

	s.Split = true
	t2 := time.Now()
	_, err = start.Call(store)
	s.Run = time.Since(t2)
	if err != nil {
		var werr *wasmtime.Error
		if errors.As(err, &werr) {
			if status, ok := werr.ExitStatus(); ok {
				s.ExitCode = int(status)
				return s, nil
			}
		}
		if ctx.Err() != nil {
			return s, ErrTimeout
		}
		return s, fmt.Errorf("run: %w", err)
	}
	return s, nil
}
