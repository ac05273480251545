package difftest

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/wasiaot/wasiaot/compiler"
	"github.com/wasiaot/wasiaot/compiler/validate"
	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/runtime"
	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// Features are the proposals the runner exercises: all of WebAssembly
// 2.0, SIMD included.
const Features = wasm.FeaturesV2

// Levels are the optimisation levels every module is compiled at.
var Levels = []int{0, 1, 2}

// NewPlan decodes and validates a module and plans its run: every
// exported function is called once, in export order, with arguments drawn
// from seed (small and boundary values, which find more than uniform
// ones).
func NewPlan(bin []byte, seed uint64) (*Plan, error) {
	m, err := wasm.Decode(bin, Features)
	if err != nil {
		return nil, err
	}
	if err := validate.Validate(m, Features); err != nil {
		return nil, err
	}
	p := &Plan{}
	for _, im := range m.Imports {
		if im.Kind != wasm.ExternFunc {
			return nil, fmt.Errorf("not supported: imported %v %s.%s", im.Kind, im.Module, im.Name)
		}
		ft := &m.Types[im.TypeIndex]
		p.Imports = append(p.Imports, HostImport{Module: im.Module, Name: im.Name, Params: ft.Params, Results: ft.Results})
	}
	for _, e := range m.Exports {
		switch e.Kind {
		case wasm.ExternFunc:
			ft, _ := m.FuncType(e.Index)
			inv := Invocation{Export: e.Name, Params: ft.Params, Results: ft.Results}
			// Drawn per export name, so that a reduced module keeps its
			// arguments.
			h := fnv.New64a()
			h.Write([]byte(e.Name))
			rnd := rand.New(rand.NewPCG(seed, h.Sum64()))
			for _, t := range wordTypes(ft.Params) {
				if t == wasm.V128 {
					t = wasm.I64
				}
				inv.Args = append(inv.Args, argValue(rnd, t))
			}
			p.Calls = append(p.Calls, inv)
		case wasm.ExternGlobal:
			gt, _ := m.GlobalType(e.Index)
			p.Globals = append(p.Globals, ExportedGlobal{Name: e.Name, Type: gt.Type})
		}
	}
	return p, nil
}

func argValue(rnd *rand.Rand, t wasm.ValType) uint64 {
	var v uint64
	switch rnd.IntN(4) {
	case 0:
		v = uint64(rnd.IntN(16))
	case 1:
		v = []uint64{0, 1, ^uint64(0), 1 << 31, 1<<31 - 1, 1 << 63, 1<<63 - 1, 65536, 65535}[rnd.IntN(9)]
	default:
		v = rnd.Uint64()
	}
	switch t {
	case wasm.I32:
		return uint64(uint32(v))
	case wasm.F32:
		return uint64(uint32(v)) &^ 0x00400000 // keep NaN arguments signalling-free
	case wasm.FuncRef, wasm.ExternRef:
		return 0
	}
	return v
}

// wordTypes lists the types of the words values of types ts take in the
// engines' Go APIs: a v128 is two words, low half first, each typed V128
// (see sameValue).
func wordTypes(ts []wasm.ValType) []wasm.ValType {
	if !slices.Contains(ts, wasm.V128) {
		return ts
	}
	out := make([]wasm.ValType, 0, len(ts)+2)
	for _, t := range ts {
		if t == wasm.V128 {
			out = append(out, wasm.V128)
		}
		out = append(out, t)
	}
	return out
}

// CallTimeout bounds one call in each engine; a call that runs longer
// counts as a hang.
var CallTimeout = 10 * time.Second

// Engine names. A wasiaot engine is "wasiaot -O<level>".
const RefEngine = "wazero-interpreter"

// EngineName names wasiaot at an optimisation level.
func EngineName(level int) string { return fmt.Sprintf("wasiaot -O%d", level) }

// CPUEngine is wasiaot -O2 compiled for the highest CPU level of this
// machine's architecture when the machine has it (x86-64-v3 on amd64: VEX
// encodings, AVX2, BMI2), "wasiaot -O2 --cpu LEVEL"; "" if there is no
// such level or the machine lacks it. Execute runs it besides Levels.
var CPUEngine = func() string {
	host := artifact.DetectHost()
	levels, err := compiler.CPULevels(host.Arch.String())
	if err != nil {
		return ""
	}
	for i := len(levels) - 1; i > 0; i-- {
		if levels[i] == compiler.CPUNative {
			continue
		}
		cpu, err := compiler.ParseCPU(host.Arch.String(), levels[i])
		if err != nil || cpu&^host.Features != 0 {
			return ""
		}
		return EngineName(2) + " --cpu " + levels[i]
	}
	return ""
}()

// Run executes plan on bin in the named engine, in this process.
func Run(engine string, bin []byte, plan *Plan) *Outcome {
	if engine == RefEngine {
		return runWazero(bin, plan)
	}
	name, level, _ := strings.Cut(engine, " --cpu ")
	var opt int
	if _, err := fmt.Sscanf(name, "wasiaot -O%d", &opt); err != nil {
		return &Outcome{Engine: engine, Err: "unknown engine " + engine}
	}
	var cpu artifact.Features
	if level != "" {
		var err error
		if cpu, err = compiler.ParseCPU("", level); err != nil {
			return &Outcome{Engine: engine, Err: err.Error()}
		}
	}
	return runWasiaot(engine, opt, cpu, bin, plan)
}

var wasiaotRuntime *runtime.Runtime

func runWasiaot(engine string, level int, cpu artifact.Features, bin []byte, plan *Plan) *Outcome {
	out := &Outcome{Engine: engine}
	art, err := compiler.Compile(bin, compiler.Options{Features: Features, OptLevel: level, Parallelism: 1, CPU: cpu})
	if err != nil {
		if strings.Contains(err.Error(), "not supported: ") {
			out.Unsupported = err.Error()
		} else {
			out.Err = "compile: " + err.Error()
		}
		return out
	}
	if wasiaotRuntime == nil {
		wasiaotRuntime = runtime.New(runtime.Config{})
	}
	mod, err := wasiaotRuntime.Load(art)
	if err != nil {
		out.Err = "load: " + err.Error()
		return out
	}
	defer mod.Close()
	log := &out.InitLog
	imports := runtime.Imports{}
	for i, im := range plan.Imports {
		ft := runtime.FuncType{Params: runtimeTypes(im.Params), Results: runtimeTypes(im.Results)}
		if imports[im.Module] == nil {
			imports[im.Module] = map[string]runtime.Extern{}
		}
		imports[im.Module][im.Name] = runtime.NewHostFunction(im.Name, ft, func(_ context.Context, _ *runtime.Instance, params, results []uint64) error {
			*log = append(*log, HostCall{Import: i, Args: append([]uint64(nil), params...)})
			clear(results)
			return nil
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), CallTimeout)
	inst, err := mod.Instantiate(ctx, imports)
	cancel()
	if err != nil {
		out.Err = "instantiate: " + err.Error()
		out.InitTrap = wasiaotTrap(err)
		return out
	}
	defer inst.Close()
	for _, inv := range plan.Calls {
		out.Calls = append(out.Calls, CallResult{})
		cr := &out.Calls[len(out.Calls)-1]
		log = &cr.Log
		ctx, cancel := context.WithTimeout(context.Background(), CallTimeout)
		res, err := inst.Call(ctx, inv.Export, inv.Args...)
		cancel()
		if err != nil {
			cr.Trap, cr.Text = wasiaotTrap(err), err.Error()
			if cr.Trap == TrapTimeout || cr.Trap == TrapStack {
				out.Stopped = true
				return out
			}
			continue
		}
		cr.Results = res
	}
	for _, g := range plan.Globals {
		out.Globals = append(out.Globals, inst.Global(g.Name).Get())
	}
	if mem := inst.Memory(); mem != nil {
		b := mem.Bytes()
		out.MemPages, out.MemHash = uint32(len(b)/65536), hashChunks(b)
	}
	return out
}

func wasiaotTrap(err error) string {
	var trap *runtime.Trap
	if !errors.As(err, &trap) {
		return TrapOther
	}
	switch trap.Kind {
	case runtime.TrapInterrupted:
		return TrapTimeout
	case runtime.TrapHostError:
		return TrapHost
	}
	return trapClass(trap.Kind.String())
}

func hashChunks(b []byte) []uint64 {
	hs := make([]uint64, 0, len(b)/memChunk)
	for off := 0; off < len(b); off += memChunk {
		h := fnv.New64a()
		h.Write(b[off:min(off+memChunk, len(b))])
		hs = append(hs, h.Sum64())
	}
	return hs
}

func runWazero(bin []byte, plan *Plan) *Outcome {
	out := &Outcome{Engine: RefEngine}
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter().
		WithCoreFeatures(api.CoreFeaturesV2).WithCloseOnContextDone(true))
	defer r.Close(ctx)
	log := &out.InitLog
	builders := map[string]wazero.HostModuleBuilder{}
	var order []string
	for i, im := range plan.Imports {
		b, ok := builders[im.Module]
		if !ok {
			b = r.NewHostModuleBuilder(im.Module)
			builders[im.Module] = b
			order = append(order, im.Module)
		}
		nparams, nresults := len(wordTypes(im.Params)), len(wordTypes(im.Results))
		b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(_ context.Context, _ api.Module, stack []uint64) {
			*log = append(*log, HostCall{Import: i, Args: append([]uint64(nil), stack[:nparams]...)})
			clear(stack[:nresults])
		}), apiTypes(im.Params), apiTypes(im.Results)).Export(im.Name)
	}
	for _, name := range order {
		if _, err := builders[name].Instantiate(ctx); err != nil {
			out.Err = "host module: " + err.Error()
			return out
		}
	}
	cm, err := r.CompileModule(ctx, bin)
	if err != nil {
		out.Err = "compile: " + err.Error()
		return out
	}
	ictx, cancel := context.WithTimeout(ctx, CallTimeout)
	mod, err := r.InstantiateModule(ictx, cm, wazero.NewModuleConfig().WithStartFunctions().WithName(""))
	cancel()
	if err != nil {
		out.Err = "instantiate: " + err.Error()
		out.InitTrap = wazeroTrap(ictx, err)
		return out
	}
	for _, inv := range plan.Calls {
		out.Calls = append(out.Calls, CallResult{})
		cr := &out.Calls[len(out.Calls)-1]
		log = &cr.Log
		cctx, cancel := context.WithTimeout(ctx, CallTimeout)
		res, err := mod.ExportedFunction(inv.Export).Call(cctx, inv.Args...)
		cancel()
		if err != nil {
			cr.Trap, cr.Text = wazeroTrap(cctx, err), err.Error()
			if cr.Trap == TrapTimeout || cr.Trap == TrapStack {
				out.Stopped = true
				return out
			}
			continue
		}
		cr.Results = res
	}
	for _, g := range plan.Globals {
		out.Globals = append(out.Globals, mod.ExportedGlobal(g.Name).Get())
	}
	// wazero returns a typed nil for a module without memory.
	if mem := mod.Memory(); mem != nil && !reflect.ValueOf(mem).IsNil() {
		b, _ := mem.Read(0, mem.Size())
		out.MemPages, out.MemHash = uint32(len(b)/65536), hashChunks(b)
	}
	return out
}

func wazeroTrap(ctx context.Context, err error) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return TrapTimeout
	}
	return trapClass(err.Error())
}

func apiTypes(ts []wasm.ValType) []api.ValueType {
	out := make([]api.ValueType, len(ts))
	for i, t := range ts {
		out[i] = api.ValueType(t)
	}
	return out
}

func runtimeTypes(ts []wasm.ValType) []runtime.ValType {
	out := make([]runtime.ValType, len(ts))
	for i, t := range ts {
		out[i] = runtime.ValType(t)
	}
	return out
}

// usesSIMD says whether a valid module uses v128 (types or instructions).
func usesSIMD(bin []byte) bool {
	m, err := wasm.Decode(bin, Features&^wasm.FeatureSIMD)
	return err != nil || validate.Validate(m, Features&^wasm.FeatureSIMD) != nil
}

// simdProbe is the smallest module with a vector instruction:
// (func (result i32) (i32x4.extract_lane 0 (v128.const i64x2 0 0))).
var simdProbe = []byte{0, 'a', 's', 'm', 1, 0, 0, 0,
	1, 5, 1, 0x60, 0, 1, 0x7f, // type () -> i32
	3, 2, 1, 0, // func 0: type 0
	10, 25, 1, 23, 0, 0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfd, 0x1b, 0, 0x0b}

// simdUnsupported is why wasiaot cannot compile vector code for this
// host ("" when it can): v128 modules are then skipped and counted,
// until the backend supports them.
var simdUnsupported = sync.OnceValue(func() string {
	_, err := compiler.Compile(simdProbe, compiler.Options{Features: Features, Parallelism: 1})
	if err != nil {
		return innermostUnsupported(err.Error())
	}
	return ""
})
