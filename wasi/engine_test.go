package wasi_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/wasiaot/wasiaot/compiler"
	"github.com/wasiaot/wasiaot/runtime"
	"github.com/wasiaot/wasiaot/wasi"
)

// engine runs a WASI command module against host and returns its exit
// status.
type engine func(ctx context.Context, wasm []byte, host *wasi.Host) (exitCode uint32, err error)

// runWasm is wasiaot itself: compile to an artifact, load, instantiate, run _start.
// WASI_ENGINE=wazero runs the same programs on wazero's interpreter instead, as a reference.
var runWasm engine = func() engine {
	if os.Getenv("WASI_ENGINE") == "wazero" {
		return wazeroInterpreter
	}
	return wasiaotEngine
}()

// compiled caches artifacts by module, since several tests run the same program.
var compiled sync.Map

// compileCached compiles wasm to an artifact once per module.
func compileCached(wasm []byte) ([]byte, error) {
	key := sha256.Sum256(wasm)
	if art, ok := compiled.Load(key); ok {
		return art.([]byte), nil
	}
	b, err := compiler.Compile(wasm, compiler.DefaultOptions())
	if err != nil {
		return nil, fmt.Errorf("compile: %w", err)
	}
	art, _ := compiled.LoadOrStore(key, b)
	return art.([]byte), nil
}

func wasiaotEngine(ctx context.Context, wasm []byte, host *wasi.Host) (uint32, error) {
	art, err := compileCached(wasm)
	if err != nil {
		return 0, err
	}
	rt := runtime.New(runtime.Config{})
	defer rt.Close()
	mod, err := rt.Load(art)
	if err != nil {
		return 0, err
	}
	defer mod.Close()
	inst, err := mod.Instantiate(ctx, host.Imports())
	if err != nil {
		return 0, err
	}
	defer inst.Close()
	start := inst.ExportedFunction("_start")
	if start == nil {
		return 0, errors.New("no _start export")
	}
	_, err = start.Call(ctx)
	var exit *wasi.ExitError
	if errors.As(err, &exit) {
		return exit.Code, nil
	}
	return 0, err
}

// trace prints every host call to stderr (WASI_TRACE=1 go test ...).
var trace = os.Getenv("WASI_TRACE") != ""

type wazeroMemory struct{ m api.Memory }

func (w wazeroMemory) Bytes() []byte {
	b, _ := w.m.Read(0, w.m.Size())
	return b
}

func wazeroInterpreter(ctx context.Context, wasm []byte, host *wasi.Host) (uint32, error) {
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer rt.Close(ctx)
	b := rt.NewHostModuleBuilder(wasi.ModuleName)
	for _, f := range host.Functions() {
		call, name, params, results := f.Call, f.Name, f.Params, f.Results
		b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, mod api.Module, stack []uint64) {
			var mem wasi.Memory
			if m := mod.Memory(); m != nil {
				mem = wazeroMemory{m}
			}
			var args []uint64
			if trace {
				args = append(args, stack[:len(params)]...)
			}
			err := call(ctx, mem, stack)
			if trace && len(results) > 0 {
				fmt.Fprintf(os.Stderr, "%s%v = %d\n", name, args, stack[0])
			}
			if err != nil {
				var exit *wasi.ExitError
				if errors.As(err, &exit) {
					panic(sys.NewExitError(exit.Code))
				}
				panic(err)
			}
		}), valueTypes(f.Params), valueTypes(f.Results)).Export(f.Name)
	}
	if _, err := b.Instantiate(ctx); err != nil {
		return 0, fmt.Errorf("host module: %w", err)
	}
	mod, err := rt.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithStartFunctions("_start"))
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), nil
	}
	if err != nil {
		return 0, err
	}
	return 0, mod.Close(ctx)
}

func valueTypes(vs []wasi.ValType) []api.ValueType {
	out := make([]api.ValueType, len(vs))
	for i, v := range vs {
		out[i] = api.ValueType(v) // both use the wasm binary encoding
	}
	return out
}
