package wasi

import (
	"context"
	"errors"
	"sync"

	"github.com/wasiaot/wasiaot/runtime"
)

// Imports returns the host's functions as the wasi_snapshot_preview1 module for instances of the
// wasiaot runtime. Each call reads its guest memory from the calling instance.
func (h *Host) Imports() runtime.Imports {
	types := runtimeSigs()
	fns := make(map[string]runtime.Extern, len(funcDefs))
	for i := range funcDefs {
		d := &funcDefs[i]
		fns[d.name] = runtime.NewHostFunction(d.name, types[i], d.runtimeCall(h))
	}
	return runtime.Imports{ModuleName: fns}
}

// ContextImports returns the functions of wasi_snapshot_preview1 for
// instances of the wasiaot runtime, bound to no Host: each call runs on the
// Host that WithHost attached to the context of the call into the instance
// (Function.Call's ctx, or Instantiate's for a start function). They are made
// once per process and serve every instance, so that a server starting an
// instance per request makes only a Host per request, not dozens of host
// functions. A call whose context carries no Host fails with ErrNoHost.
func ContextImports() runtime.Imports { return contextImports() }

var contextImports = sync.OnceValue(func() runtime.Imports {
	types := runtimeSigs()
	fns := make(map[string]runtime.Extern, len(funcDefs))
	for i := range funcDefs {
		d := &funcDefs[i]
		fns[d.name] = runtime.NewHostFunction(d.name, types[i], d.runtimeCall(nil))
	}
	return runtime.Imports{ModuleName: fns}
})

// ErrNoHost is the error of a ContextImports function called without a
// Host in its context.
var ErrNoHost = errors.New("wasi: no Host in the call's context (see WithHost)")

type hostKey struct{}

// WithHost returns a context that runs ContextImports functions on h.
func WithHost(ctx context.Context, h *Host) context.Context {
	return context.WithValue(ctx, hostKey{}, h)
}

// runtimeCall is d bound to h as a runtime host function: one closure, as
// Imports makes dozens of them per instance. With h nil, the Host comes from
// the call's context.
func (d *funcDef) runtimeCall(bound *Host) runtime.HostFunc {
	f, n := d.f, max(len(d.params), len(d.results))
	return func(ctx context.Context, caller *runtime.Instance, params, results []uint64) error {
		h := bound
		if h == nil {
			h, _ = ctx.Value(hostKey{}).(*Host)
			if h == nil {
				return ErrNoHost
			}
		}
		// The host functions read params from and write results to one stack. The
		// runtime's params slice has room for both; copy only if it does not.
		stack := params
		if cap(stack) >= n {
			stack = stack[:n]
		} else {
			stack = append(make([]uint64, 0, n), params...)[:n]
		}
		if f == nil {
			return procExit(ctx, nil, stack)
		}
		var m mem
		if caller != nil {
			if cm := caller.Memory(); cm != nil {
				m = cm.Bytes()
			}
		}
		errno := f(h, ctx, m, stack)
		if errno == errnoCancelled {
			// Stop the guest where it waited, as the runtime stops
			// running code: an interrupted trap with the context's
			// cause.
			return &runtime.Trap{Kind: runtime.TrapInterrupted, Func: ^uint32(0), Err: context.Cause(ctx)}
		}
		stack[0] = uint64(errno)
		copy(results, stack)
		return nil
	}
}

// runtimeSigs are the signatures of funcDefs in the runtime's terms, made once.
var runtimeSigs = sync.OnceValue(func() []runtime.FuncType {
	out := make([]runtime.FuncType, len(funcDefs))
	for i, d := range funcDefs {
		out[i] = runtime.FuncType{Params: runtimeTypes(d.params), Results: runtimeTypes(d.results)}
	}
	return out
})

func runtimeTypes(ts []ValType) []runtime.ValType {
	out := make([]runtime.ValType, len(ts))
	for i, t := range ts {
		out[i] = runtime.ValType(t)
	}
	return out
}
