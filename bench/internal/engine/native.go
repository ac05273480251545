package engine

import (
	"context"
	"errors"
	"os"
	"runtime"
)

func init() { Register("native", 0, newNative) }

// native runs the host executable built from the same source with gcc -O2
// (or the Go toolchain): the physical limit the others are measured against.
type native struct{ version string }

func newNative() (Engine, error) {
	return native{version: commandVersion("gcc", "--version") + "; " + runtime.Version() + " -tags purego"}, nil
}

func (native) Name() string      { return "native" }
func (n native) Version() string { return n.version }
func (native) Native() bool      { return true }

func (native) Run(ctx context.Context, p Program, inv Invocation) (Sample, error) {
	return RunNative(ctx, p, inv, nil)
}

// RunNative runs p's host executable with extra environment variables (the
// workload's, e.g. GOMAXPROCS=1 so Go benchmarks stay on one core as they
// do under wasm).
func RunNative(ctx context.Context, p Program, inv Invocation, env []string) (Sample, error) {
	if p.Native == "" {
		return Sample{}, errors.New("no native build")
	}
	wall, code, err := runProcess(ctx, append([]string{p.Native}, inv.Args...), inv, append(os.Environ(), env...))
	return Sample{Run: wall, ExitCode: code}, err
}
