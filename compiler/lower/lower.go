// Package lower translates validated WebAssembly function bodies into the
// SSA form of compiler/ssa.
//
// Locals and the operand stack become SSA values as the body is read, in one
// pass, with the on-the-fly construction of Braun et al. ("Simple and
// Efficient Construction of SSA Form", CC 2013): a block is sealed once all
// its predecessors are known, which wasm's structured control flow makes
// obvious (a loop header at the loop's end, a merge block when its construct
// ends), reads of a local in unsealed blocks create provisional block
// parameters, and parameters that turn out to receive a single value are
// removed at the end. Values carried by the operand stack across control
// flow become block parameters typed by the block type.
//
// Module lowers all defined functions of a module in parallel; Func lowers
// one. Input must have passed compiler/validate; anything unexpected still
// yields an error, never a panic.
package lower

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// Options controls lowering.
type Options struct {
	// Workers bounds the number of functions Module lowers at once;
	// 0 means runtime.GOMAXPROCS(0).
	Workers int
	// KeepFuncs makes every Lower of a Lowerer return a new Func. By
	// default a Lowerer reuses the storage of the Func it returned last,
	// which is then no longer valid.
	KeepFuncs bool
}

// Error is a lowering failure in one function. Its text is Msg alone, so
// that unsupported features report exactly "not supported: ...".
type Error struct {
	FuncIndex    uint32 // in the function index space
	Offset       int    // byte offset in the module, 0 if none
	Msg          string
	NotSupported bool // the module uses something wasiaot does not implement
}

func (e *Error) Error() string { return e.Msg }

// maxLocals bounds params plus locals of one function: the lowering keeps
// dense per-local tables and expands the declarations, so a few bytes of
// input must not cost megabytes. Web engines use the same limit.
const maxLocals = 50000

// sigInfo is a wasm function type converted to SSA types.
type sigInfo struct {
	sig ssa.Signature
}

// moduleInfo is what all functions of a module share; read-only once built.
type moduleInfo struct {
	m     *wasm.Module
	types []sigInfo
}

func newModuleInfo(m *wasm.Module) *moduleInfo {
	mi := &moduleInfo{m: m, types: make([]sigInfo, len(m.Types))}
	for i := range m.Types {
		t := &m.Types[i]
		si := &mi.types[i]
		si.sig = Signature(t)
	}
	return mi
}

// Signature is the SSA signature of a wasm function type.
func Signature(t *wasm.FuncType) ssa.Signature {
	sig := ssa.Signature{Params: make([]ssa.Type, len(t.Params)), Results: make([]ssa.Type, len(t.Results))}
	for j, vt := range t.Params {
		sig.Params[j] = valType(vt)
	}
	for j, vt := range t.Results {
		sig.Results[j] = valType(vt)
	}
	return sig
}

// valType maps a wasm value type to its SSA type (TypeVoid if unknown).
func valType(t wasm.ValType) ssa.Type {
	switch t {
	case wasm.I32:
		return ssa.TypeI32
	case wasm.I64:
		return ssa.TypeI64
	case wasm.F32:
		return ssa.TypeF32
	case wasm.F64:
		return ssa.TypeF64
	case wasm.V128:
		return ssa.TypeV128
	case wasm.FuncRef:
		return ssa.TypeFuncref
	case wasm.ExternRef:
		return ssa.TypeExternref
	}
	return ssa.TypeVoid
}

// Lowerer lowers functions of one module, reusing its scratch state from
// one function to the next. It is not safe for concurrent use; Module
// gives each worker its own.
type Lowerer struct {
	mi *moduleInfo
	fl funcLowerer
}

// NewLowerer returns a Lowerer for functions of m. Unless opts.KeepFuncs
// is set, the Func that Lower returns is valid only until the next call
// of Lower: its storage is reused.
func NewLowerer(m *wasm.Module, opts Options) *Lowerer {
	return newLowerer(newModuleInfo(m), !opts.KeepFuncs)
}

// Reset makes l lower functions of m, as NewLowerer(m, opts) with the
// options l was made with would, keeping the scratch storage it has grown.
func (l *Lowerer) Reset(m *wasm.Module) {
	l.mi = newModuleInfo(m)
	l.fl.mi = l.mi
}

// Forget drops the module l lowers, keeping the storage it grew, so that
// an idle Lowerer does not keep a module alive. Reset it before use.
func (l *Lowerer) Forget() { l.mi, l.fl.mi = nil, nil }

func newLowerer(mi *moduleInfo, reuse bool) *Lowerer {
	l := &Lowerer{mi: mi}
	l.fl.mi = mi
	l.fl.reuse = reuse
	return l
}

// Lower translates the function with the given index (in the function
// index space, so imported functions come first and cannot be lowered).
func (l *Lowerer) Lower(funcIndex uint32) (f *ssa.Func, err error) {
	defer func() {
		// Input is validated and the code checks what it relies on; a
		// panic here is a bug, but must not take the host down.
		if r := recover(); r != nil {
			f, err = nil, &Error{FuncIndex: funcIndex, Msg: fmt.Sprintf("function %d: internal error in lowering: %v", funcIndex, r)}
		}
	}()
	return l.fl.lower(funcIndex)
}

// Func lowers one function of m; funcIndex is in the function index space.
func Func(m *wasm.Module, funcIndex uint32, opts Options) (*ssa.Func, error) {
	return NewLowerer(m, opts).Lower(funcIndex)
}

// Module lowers every function defined in m, on opts.Workers goroutines.
// The result is indexed by defined-function number (function index minus
// the number of imported functions). The error, if any, is the one of the
// lowest failing function index.
func Module(m *wasm.Module, opts Options) ([]*ssa.Func, error) {
	n := len(m.Functions)
	imported := uint32(m.NumImportedFuncs())
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, n)
	mi := newModuleInfo(m)
	funcs := make([]*ssa.Func, n)
	errs := make([]error, n)
	var next atomic.Int64
	var failed atomic.Int64 // lowest failing index + 1, to stop early
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := newLowerer(mi, false)
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if fi := failed.Load(); fi != 0 && int64(i) >= fi {
					return
				}
				funcs[i], errs[i] = l.Lower(imported + uint32(i))
				if errs[i] != nil {
					for {
						fi := failed.Load()
						if fi != 0 && fi <= int64(i)+1 || failed.CompareAndSwap(fi, int64(i)+1) {
							break
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return funcs, nil
}
