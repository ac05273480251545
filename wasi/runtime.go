package wasi

import (
	"context"

	"github.com/wasiaot/wasiaot/runtime"
)

// Imports returns the host's functions as the wasi_snapshot_preview1 module for instances of the
// wasiaot runtime. Each call reads its guest memory from the calling instance.
func (h *Host) Imports() runtime.Imports {
	im := runtime.Imports{}
	for _, f := range h.Functions() {
		t := runtime.FuncType{Params: runtimeTypes(f.Params), Results: runtimeTypes(f.Results)}
		call := f.Call
		n := max(len(f.Params), len(f.Results))
		im.Define(ModuleName, f.Name, runtime.NewHostFunction(f.Name, t,
			func(ctx context.Context, caller *runtime.Instance, params, results []uint64) error {
				// The host functions read params from and write results to one stack. The
				// runtime's params slice has room for both; copy only if it does not.
				stack := params
				if cap(stack) >= n {
					stack = stack[:n]
				} else {
					stack = append(make([]uint64, 0, n), params...)[:n]
				}
				err := call(ctx, callerMemory{caller}, stack)
				copy(results, stack)
				return err
			}))
	}
	return im
}

// callerMemory is the calling instance's memory 0, looked up at each use because memory.grow may
// replace the slice.
type callerMemory struct{ inst *runtime.Instance }

func (m callerMemory) Bytes() []byte {
	if m.inst == nil || m.inst.Memory() == nil {
		return nil
	}
	return m.inst.Memory().Bytes()
}

func runtimeTypes(ts []ValType) []runtime.ValType {
	out := make([]runtime.ValType, len(ts))
	for i, t := range ts {
		out[i] = runtime.ValType(t)
	}
	return out
}
