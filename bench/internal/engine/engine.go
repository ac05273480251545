// Package engine runs one benchmark program on one execution engine and
// times its phases. Every engine, native code included, sits behind the
// Engine interface and is found through the registry, so a new engine is
// one file with one Register call.
package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

// Program is one workload's binaries: the same source built for wasm32-wasi
// and for the host. Either path may be empty when that side does not exist.
type Program struct {
	Name   string
	Wasm   string // path to the .wasm module
	Native string // path to the host executable
}

// Invocation is one run of a program: argv (without argv[0]), stdin and
// stdout as files so that no engine pays for a pipe the others do not.
type Invocation struct {
	Args       []string
	StdinPath  string    // empty: empty stdin
	StdoutPath string    // created/truncated by the engine
	Stderr     io.Writer // guest stderr, may be nil
}

// Sample is the timing of one run. A phase an engine cannot separate is zero
// and its time is folded into the next phase (Split says which were split).
// An engine that compiles once and reuses the result reports Compile on the
// sample that compiled and zero on the others.
type Sample struct {
	Compile     time.Duration `json:"compile_ns"`     // wasm → executable form
	Instantiate time.Duration `json:"instantiate_ns"` // create the instance (and load precompiled code)
	Run         time.Duration `json:"run_ns"`         // _start until exit
	ExitCode    int           `json:"exit_code"`
	Split       bool          `json:"split"` // Compile and Instantiate were measured apart from Run
}

// Exec is instantiation plus run: the cost a user pays per execution once
// the module is compiled.
func (s Sample) Exec() time.Duration { return s.Instantiate + s.Run }

// ErrTimeout reports that a run exceeded its time cap.
var ErrTimeout = errors.New("time cap exceeded")

// ErrUnsupported reports that an engine does not take this program at all.
var ErrUnsupported = errors.New("not supported")

// Engine executes programs.
type Engine interface {
	// Name is the short identifier used in flags and table columns.
	Name() string
	// Version describes the engine build, for the report.
	Version() string
	// Native reports whether the engine runs the host executable rather
	// than the wasm module.
	Native() bool
	// Run compiles, instantiates and runs p once, honouring ctx's deadline
	// (a run past it returns ErrTimeout). Each call starts from scratch: no
	// compilation cache is shared between calls.
	Run(ctx context.Context, p Program, inv Invocation) (Sample, error)
}

// A Compiler compiles a module without running it, for the harness's
// compile phase: there every engine compiles each module the same number of
// times, the engines taking turns, before the module runs at all. Timing
// compiles inside runs instead puts each one right after another engine's
// run and its aftermath (its garbage, the writeback of its output), which
// for modules that compile in a millisecond is most of what is measured.
type Compiler interface {
	// CompileOnly compiles the module at wasm from scratch and returns
	// how long the compile itself took.
	CompileOnly(ctx context.Context, wasm string) (time.Duration, error)
}

// Slow marks engines (interpreters) that get fewer repetitions and a time
// cap by default.
type Slow interface {
	Slow() bool
}

// Close releases what an engine keeps between runs (scratch directories),
// for engines that implement io.Closer.
func Close(e Engine) error {
	if c, ok := e.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// IsSlow reports whether e declares itself slow.
func IsSlow(e Engine) bool {
	s, ok := e.(Slow)
	return ok && s.Slow()
}

// Factory creates an engine, or reports why it is unavailable on this host
// (missing binary, for example).
type Factory func() (Engine, error)

var (
	mu       sync.Mutex
	registry = map[string]Factory{}
	order    = map[string]int{}
)

// Register adds an engine factory under name; rank orders table columns.
func Register(name string, rank int, f Factory) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := registry[name]; dup {
		panic("engine: duplicate registration of " + name)
	}
	registry[name] = f
	order[name] = rank
}

// onRequest holds the engines that run only when named (-engines):
// variants of another engine, such as wasiaot at a higher CPU level.
var onRequest = map[string]bool{}

// RegisterOnRequest is Register for an engine left out of the default set.
func RegisterOnRequest(name string, rank int, f Factory) {
	Register(name, rank, f)
	mu.Lock()
	defer mu.Unlock()
	onRequest[name] = true
}

// OnRequest reports whether the named engine runs only when named.
func OnRequest(name string) bool {
	mu.Lock()
	defer mu.Unlock()
	return onRequest[name]
}

// Names lists registered engines in column order.
func Names() []string {
	mu.Lock()
	defer mu.Unlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if order[names[i]] != order[names[j]] {
			return order[names[i]] < order[names[j]]
		}
		return names[i] < names[j]
	})
	return names
}

// New creates the named engine.
func New(name string) (Engine, error) {
	mu.Lock()
	f, ok := registry[name]
	mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("unknown engine %q (have %v)", name, Names())
	}
	return f()
}
