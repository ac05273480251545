package testsuite

import (
	"testing"

	"github.com/wasiaot/wasiaot/compiler"
	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// The kernels compiled for x86-64-v3 too (VEX encodings, AVX2, BMI2), on a
// machine that has it: TestKernels checks their checksums and
// BenchmarkKernels times them next to the default level.
func init() {
	host := artifact.DetectHost()
	cpu, err := compiler.ParseCPU(host.Arch.String(), "x86-64-v3")
	if err != nil || cpu&^host.Features != 0 {
		return // not amd64, or a machine without it
	}
	opts := compiler.DefaultOptions()
	opts.CPU = cpu
	kernelEngines = append(kernelEngines, struct {
		name  string
		start func(tb testing.TB, wasm []byte) (kernelCall, func())
	}{"wasiaot-v3", func(tb testing.TB, wasm []byte) (kernelCall, func()) { return startWasiaotWith(tb, wasm, opts) }})
}
