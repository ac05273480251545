package testsuite

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/compiler"
	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/compiler/wat"
	"github.com/wasiaot/wasiaot/runtime"
)

// instantiateWasm runs wasm bytes through the real pipeline: compile to
// artifact bytes, load into a fresh runtime, instantiate with im. The
// cleanup closes all three.
func instantiateWasm(tb testing.TB, bin []byte, im runtime.Imports) (*runtime.Instance, func()) {
	return instantiateWasmWith(tb, bin, im, compiler.DefaultOptions())
}

// instantiateWasmWith is instantiateWasm with the given compiler options.
func instantiateWasmWith(tb testing.TB, bin []byte, im runtime.Imports, opts compiler.Options) (*runtime.Instance, func()) {
	art, err := compiler.Compile(bin, opts)
	require.NoError(tb, err)
	rt := runtime.New(runtime.Config{})
	m, err := rt.Load(art)
	require.NoError(tb, err)
	inst, err := m.Instantiate(context.Background(), im)
	require.NoError(tb, err)
	return inst, func() {
		inst.Close()
		m.Close()
		rt.Close()
	}
}

// instantiateWat is instantiateWasm for a module in the text format.
func instantiateWat(tb testing.TB, src string, im runtime.Imports) (*runtime.Instance, func()) {
	bin, err := wat.Parse([]byte(src), wasm.FeaturesV2)
	require.NoError(tb, err)
	return instantiateWasm(tb, bin, im)
}
