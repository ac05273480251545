package wasi_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/wasiaot/wasiaot/wasi"
)

// engine runs a WASI command module against host and returns its exit
// status. It is the one piece to swap for wasiaot's own runtime once that
// can execute wasm.
type engine func(ctx context.Context, wasm []byte, host *wasi.Host) (exitCode uint32, err error)

var runWasm engine = wazeroInterpreter

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
