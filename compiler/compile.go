package compiler

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/wasiaot/wasiaot/backend"
	"github.com/wasiaot/wasiaot/backend/regalloc"
	"github.com/wasiaot/wasiaot/compiler/lower"
	"github.com/wasiaot/wasiaot/compiler/opt"
	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/compiler/validate"
	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/runtime/abi"
	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// Options controls compilation. The zero value compiles WebAssembly 2.0
// for the host machine without optimisation; DefaultOptions is what the CLI
// uses.
type Options struct {
	// Features are the accepted wasm proposals; 0 means wasm.FeaturesV2.
	Features wasm.Features
	// OptLevel is 0 (no SSA optimisation), 1 or 2.
	OptLevel int
	// Target is the machine, by GOARCH name: one of backend.Names(), or
	// "" for the host's.
	Target string
	// Parallelism bounds the functions compiled at once; 0 means
	// runtime.GOMAXPROCS(0). The output does not depend on it.
	Parallelism int
	// DumpSSA, if set, receives the SSA text of selected functions.
	DumpSSA *DumpSSA
	// Progress, if set, is called as functions are compiled with the
	// number done so far and the module's total, done rising to total.
	// Calls come one at a time, from the compiling goroutines; it must
	// return quickly. It does not change the output.
	Progress func(done, total int)
	// AllocStats, if set, is called once per defined function, in index
	// order, with what register allocation inserted into it. Calls come
	// one at a time, from the compiling goroutines.
	AllocStats func(fn uint32, name string, s regalloc.Stats)
	// RegAlloc is the register allocation algorithm (the zero value:
	// greedy).
	RegAlloc regalloc.Algorithm
	// CPU is the set of CPU features the code may use (ParseCPU names
	// them by level); 0 means the target's default level, which every
	// machine of the architecture wasiaot supports has. The artifact
	// records the features the code does use, and the runtime refuses
	// it on a machine that lacks one.
	CPU artifact.Features
}

// DumpSSA selects SSA dumps: Func is a function name (from the name
// section) or its index in decimal; Pass is "lower", an optimisation pass
// name, or "" for every stage. Dumps go to Write, one call per dump, in
// pipeline order.
type DumpSSA struct {
	Func  string
	Pass  string
	Write func(fn uint32, pass, text string)
}

// DefaultOptions returns the options the CLI starts from.
func DefaultOptions() Options {
	return Options{Features: wasm.FeaturesV2, OptLevel: 2, Target: runtime.GOARCH}
}

// Error is a compilation failure located in a function.
type Error struct {
	Func   uint32 // function index
	Name   string // from the name section, if any
	Offset int    // wasm byte offset, 0 if unknown
	Err    error
}

func (e *Error) Error() string {
	s := fmt.Sprintf("function %d", e.Func)
	if e.Name != "" {
		s += fmt.Sprintf(" (%s)", e.Name)
	}
	if e.Offset > 0 {
		s += fmt.Sprintf(" at offset %#x", e.Offset)
	}
	return s + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Compile compiles a wasm binary into artifact bytes.
func Compile(wasmBytes []byte, opts Options) ([]byte, error) {
	// The workers return to their pool only after marshalling: the
	// collections that linking and marshalling a large module cause would
	// otherwise drop them before the next compilation could reuse them.
	var ws workerSet
	defer ws.release()
	a, err := compileArtifact(wasmBytes, opts, &ws)
	if err != nil {
		return nil, err
	}
	if !ws.keep {
		// A big module's workers are not kept: drop their storage (the
		// largest function's working set) before the artifact is copied
		// into the file image.
		ws.release()
	}
	return artifact.Marshal(a)
}

// CompileArtifact compiles a wasm binary into an artifact description.
func CompileArtifact(wasmBytes []byte, opts Options) (*artifact.Artifact, error) {
	var ws workerSet
	defer ws.release()
	return compileArtifact(wasmBytes, opts, &ws)
}

func compileArtifact(wasmBytes []byte, opts Options, ws *workerSet) (*artifact.Artifact, error) {
	name := opts.Target
	if name == "" {
		name = runtime.GOARCH
	}
	target, err := backend.Lookup(name)
	if err != nil {
		return nil, err
	}
	cpu, err := resolveCPU(target, opts.CPU)
	if err != nil {
		return nil, err
	}
	if opts.OptLevel < 0 || opts.OptLevel > 2 {
		return nil, fmt.Errorf("optimisation level %d is not 0, 1 or 2", opts.OptLevel)
	}
	features := opts.Features
	if features == 0 {
		features = wasm.FeaturesV2
	}
	m, err := wasm.Decode(wasmBytes, features)
	if err != nil {
		return nil, err
	}
	if err := validate.Validate(m, features); err != nil {
		return nil, err
	}
	desc, rodata, err := describe(m)
	if err != nil {
		return nil, err
	}
	layout, err := abi.NewLayout(abi.ModuleShape{
		HeaderSize: target.VMCtxHeaderSize(),
		NumTypes:   uint32(len(m.Types)),
		NumFuncs:   uint32(m.NumFuncs()),
		NumGlobals: uint32(m.NumGlobals()),
		NumTables:  uint32(m.NumTables()),
		HasMemory:  m.NumMemories() > 0,
	})
	if err != nil {
		return nil, err
	}
	mi := &backend.ModuleInfo{Layout: layout, NumImportedFuncs: uint32(m.NumImportedFuncs()), RegAlloc: opts.RegAlloc, CPU: cpu}
	for i := 0; i < m.NumGlobals(); i++ {
		mi.GlobalImported = append(mi.GlobalImported, i < m.NumImportedGlobals())
	}
	entry := make(chan entryStubs, 1)
	go func() { entry <- buildEntryStubs(target, m, layout) }()
	codeSize := 0
	for i := range m.Code {
		codeSize += len(m.Code[i].Body)
	}
	a := &artifact.Artifact{Module: *desc, Rodata: rodata}
	l := newLinker(target, a, m, codeSize)
	used, err := compileFuncs(target, m, mi, opts, ws, l, codeSize)
	if err != nil {
		return nil, err
	}
	if err := l.finish(m, entry); err != nil {
		return nil, err
	}
	a.Header = artifact.Header{
		CompilerVersion: Version,
		Arch:            target.Arch(),
		Features:        used,
		ABIVersion:      abi.Version,
		SourceSHA256:    sha256.Sum256(wasmBytes),
		OptLevel:        uint8(opts.OptLevel),
		// The runtime applies WebAssembly 1.0's instantiation rules to modules built without
		// bulk memory.
		Options: []string{artifact.OptionFeatures + features.String(), artifact.OptionCPU + CPUName(name, cpu)},
	}
	return a, nil
}

// worker holds one goroutine's reusable compilation state. Its buffers
// grow to the largest function compiled, and growing them again for every
// module was most of what a compile allocated, so workers are kept between
// compilations (idleWorkers).
type worker struct {
	target backend.Target
	low    *lower.Lowerer
	comp   backend.Compiler
}

// idleWorkers are workers kept between compilations, at most
// maxIdleWorkers of them, for modules below keepWorkersBelow. Unlike a sync.Pool, which every garbage
// collection may empty, the list survives: a process that compiles now and
// then (a compile service, a benchmark alternating engines) would otherwise
// rebuild every worker's storage, its largest cost for small modules.
var idleWorkers struct {
	mu   sync.Mutex
	list []*worker
}

const maxIdleWorkers = 2

// workerSet holds the workers of one compilation until release.
type workerSet struct {
	list []*worker
	keep bool // whether they may join idleWorkers
}

// keepWorkersBelow is the size of code (bytes of function bodies) below
// which a compilation's workers are kept idle afterwards. A worker's
// storage grows with the largest function it compiled: after bzip2 or
// lua the idle workers hold about 30 MB, after a Go test binary they
// would hold over 100 MB for the life of the process, and a compile that
// big is long enough that building fresh storage costs little.
var keepWorkersBelow = 512 << 10 // a variable for tests

func (ws *workerSet) release() {
	idleWorkers.mu.Lock()
	defer idleWorkers.mu.Unlock()
	for _, wk := range ws.list {
		if wk != nil && ws.keep && len(idleWorkers.list) < maxIdleWorkers {
			wk.low.Forget()
			wk.comp.Reset(nil)
			idleWorkers.list = append(idleWorkers.list, wk)
		}
	}
	ws.list = nil
}

// getWorker returns a worker for functions of m compiled for target.
func getWorker(target backend.Target, m *wasm.Module, mi *backend.ModuleInfo) *worker {
	idleWorkers.mu.Lock()
	var wk *worker
	for i := len(idleWorkers.list) - 1; i >= 0; i-- {
		if idleWorkers.list[i].target == target {
			wk = idleWorkers.list[i]
			idleWorkers.list = slices.Delete(idleWorkers.list, i, i+1)
			break
		}
	}
	idleWorkers.mu.Unlock()
	if wk != nil {
		wk.low.Reset(m)
		wk.comp.Reset(mi)
		return wk
	}
	return newWorker(target, m, mi)
}

func newWorker(target backend.Target, m *wasm.Module, mi *backend.ModuleInfo) *worker {
	return &worker{
		target: target,
		low:    lower.NewLowerer(m, lower.Options{Workers: 1}),
		comp:   target.NewCompiler(mi),
	}
}

// dropAfter is the body size of a function after which the worker that
// compiled it starts again with new storage.
const dropAfter = 16 << 10

// serialBelow is the size of code (bytes of function bodies) below which
// a module is compiled by one worker unless Options.Parallelism says
// otherwise.
const serialBelow = 64 << 10

// bigFunc is the body size (bytes of wasm) from which a function is
// compiled before the others, biggest first. Compile time grows faster
// than a function's size: one giant function taken last (or late, in
// index order) would leave the other workers idle while it finishes.
const bigFunc = 4 << 10

// hugeFunc is the body size from which a function is compiled only while
// no other function of that size is: the working set of compiling one
// (hundreds of megabytes for an interpreter loop of 100 KiB of wasm)
// bounds the peak memory of a compile, not the sum of several.
var hugeFunc = 64 << 10 // a variable for tests

// schedule hands out the defined functions to the workers: those of at
// least bigFunc bytes first, biggest first (the longest jobs start while
// there is other work to balance them), then the others in index order,
// so that most functions reach the linker as soon as they are compiled;
// a function of hugeFunc bytes or more only when no other one is being
// compiled, the others meanwhile.
type schedule struct {
	order    []int32 // the huge functions, then the others
	nhuge    int     // the huge functions at the start of order
	hugeNext int     // the next huge function to take
	next     int     // the next other function to take
	hugeBusy bool    // a huge function is being compiled
}

func newSchedule(m *wasm.Module) *schedule {
	s := &schedule{order: make([]int32, 0, len(m.Code))}
	size := func(i int32) int { return len(m.Code[i].Body) }
	for i := range m.Code {
		if len(m.Code[i].Body) >= bigFunc {
			s.order = append(s.order, int32(i))
		}
	}
	slices.SortStableFunc(s.order, func(a, b int32) int { return size(b) - size(a) })
	for s.nhuge < len(s.order) && size(s.order[s.nhuge]) >= hugeFunc {
		s.nhuge++
	}
	for i := range m.Code {
		if len(m.Code[i].Body) < bigFunc {
			s.order = append(s.order, int32(i))
		}
	}
	s.next = s.nhuge
	return s
}

// take returns the next function to compile, skipping those at or after
// failedAt, and whether it is huge. It returns wait if only huge
// functions are left while one is being compiled, and -1 when nothing is
// left.
func (s *schedule) take(failedAt int) (fn int, huge bool) {
	for {
		switch {
		case !s.hugeBusy && s.hugeNext < s.nhuge:
			fn = int(s.order[s.hugeNext])
			s.hugeNext++
			if fn < failedAt {
				s.hugeBusy = true
				return fn, true
			}
		case s.next < len(s.order):
			fn = int(s.order[s.next])
			s.next++
			if fn < failedAt {
				return fn, false
			}
		case s.hugeNext < s.nhuge:
			return wait, false
		default:
			return -1, false
		}
	}
}

// wait is take's answer when a worker must wait for a huge function to
// be done.
const wait = -2

// done records that a function take returned, huge or not, is compiled.
func (s *schedule) done(huge bool) {
	if huge {
		s.hugeBusy = false
	}
}

// compileFuncs compiles every defined function, in parallel, and hands
// each to l in index order as soon as it and every function before it
// are done. A compiled function waiting for those before it holds only
// its code and tables (the output), not its compilation's storage.
func compileFuncs(target backend.Target, m *wasm.Module, mi *backend.ModuleInfo, opts Options, ws *workerSet, l *linker, codeSize int) (artifact.Features, error) {
	n := len(m.Functions)
	nimp := uint32(m.NumImportedFuncs())
	nworkers := opts.Parallelism
	if nworkers <= 0 {
		nworkers = runtime.GOMAXPROCS(0)
	}
	nworkers = max(1, min(nworkers, n))
	// A small module compiles faster on the calling goroutine alone than
	// it takes to get more goroutines scheduled on a busy process.
	if opts.Parallelism <= 0 && codeSize < serialBelow {
		nworkers = 1
	}
	ws.keep = codeSize < keepWorkersBelow
	sched := newSchedule(m)
	type result struct {
		code *backend.Code
		err  error
		ok   bool
	}
	var (
		mu       sync.Mutex
		hugeDone = sync.NewCond(&mu)
		done     = make([]result, n) // by defined function index
		compiled int                 // functions compiled, for Progress
		linked   int                 // the functions handed to l
		failedAt = n                 // the lowest failing index: no function after it is taken
		dumpMu   sync.Mutex
		wg       sync.WaitGroup
	)
	usedBy := make([]artifact.Features, nworkers)
	ws.list = make([]*worker, nworkers)
	run := func(w int) {
		wk := getWorker(target, m, mi)
		ws.list[w] = wk
		mu.Lock()
		for {
			i, huge := sched.take(failedAt)
			if i == wait {
				hugeDone.Wait()
				continue
			}
			if i < 0 {
				break
			}
			mu.Unlock()
			code, err := wk.compile(m, nimp+uint32(i), opts, &dumpMu)
			if len(m.Code[i].Body) >= dropAfter {
				// Its storage grew to this function's working set: drop
				// it rather than hold it through the rest of the
				// compile (the functions after it are smaller).
				usedBy[w] |= wk.comp.Features()
				wk = newWorker(target, m, mi)
				ws.list[w] = wk
			}
			mu.Lock()
			if huge {
				sched.done(true)
				hugeDone.Broadcast()
			}
			done[i] = result{code, err, true}
			compiled++
			if err != nil && i < failedAt {
				// Every function before it is still compiled: the error
				// reported is the lowest failing function's, whatever the
				// order and the number of workers.
				failedAt = i
			}
			for linked < failedAt && done[linked].ok {
				r := &done[linked]
				if opts.AllocStats != nil {
					idx := nimp + uint32(linked)
					opts.AllocStats(idx, m.FuncName(idx), r.code.Alloc)
				}
				l.add(r.code)
				*r = result{ok: true}
				linked++
			}
			if opts.Progress != nil && failedAt == n {
				opts.Progress(compiled, n)
			}
		}
		mu.Unlock()
		ws.list[w] = wk
		usedBy[w] |= wk.comp.Features()
	}
	for w := 1; w < nworkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run(w)
		}()
	}
	run(0)
	wg.Wait()
	if failedAt < n {
		return 0, done[failedAt].err
	}
	if linked != n {
		return 0, fmt.Errorf("internal compiler error: %d of %d functions linked", linked, n)
	}
	var used artifact.Features
	for _, u := range usedBy {
		used |= u
	}
	return used, nil
}

func (wk *worker) compile(m *wasm.Module, idx uint32, opts Options, dumpMu *sync.Mutex) (code *backend.Code, err error) {
	fail := func(off int, err error) error {
		// Backend errors name the machine instruction; an unsupported
		// feature is reported by itself.
		if msg := err.Error(); strings.Contains(msg, "not supported: ") && !strings.HasPrefix(msg, "not supported: ") {
			err = errors.New(msg[strings.Index(msg, "not supported: "):])
		}
		return &Error{Func: idx, Name: m.FuncName(idx), Offset: off, Err: err}
	}
	defer func() {
		if r := recover(); r != nil {
			code, err = nil, fail(0, fmt.Errorf("internal compiler error: %v", r))
		}
	}()
	f, err := wk.low.Lower(idx)
	if err != nil {
		off := 0
		var le *lower.Error
		if errors.As(err, &le) {
			off = le.Offset
		}
		return nil, fail(off, err)
	}
	var hook opt.Hook
	if d := opts.DumpSSA; d != nil && d.Write != nil && (d.Func == m.FuncName(idx) || d.Func == fmt.Sprint(idx)) {
		hook = func(pass string, f *ssa.Func) {
			if d.Pass == "" || d.Pass == pass {
				dumpMu.Lock()
				defer dumpMu.Unlock()
				d.Write(idx, pass, f.String())
			}
		}
		hook("lower", f)
	}
	opt.Pipeline(f, opts.OptLevel, hook)
	code, err = wk.comp.Compile(f)
	if err != nil {
		off := 0
		var se *backend.Error
		if errors.As(err, &se) {
			off = int(se.Pos)
		}
		return nil, fail(off, err)
	}
	return code, nil
}
