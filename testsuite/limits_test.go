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

// TestRuntimeLimits: Config.MemoryLimitPages and Config.TableLimitElems cap what a guest can
// have: memory.grow and table.grow return -1 beyond them, and a module whose minimum is above
// them does not instantiate, with an error saying so.
func TestRuntimeLimits(t *testing.T) {
	const src = `(module
  (memory 2) (table 4 funcref)
  (func (export "mgrow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "tgrow") (param i32) (result i32) (table.grow (ref.null func) (local.get 0))))`
	bin, err := wat.Parse([]byte(src), wasm.FeaturesV2)
	require.NoError(t, err)
	art, err := compiler.Compile(bin, compiler.DefaultOptions())
	require.NoError(t, err)
	grow := func(cfg runtime.Config, name string, n uint64) (uint64, error) {
		rt := runtime.New(cfg)
		defer rt.Close()
		m, err := rt.Load(art)
		require.NoError(t, err)
		defer m.Close()
		inst, err := m.Instantiate(context.Background(), nil)
		if err != nil {
			return 0, err
		}
		defer inst.Close()
		res, err := inst.Call(context.Background(), name, n)
		require.NoError(t, err)
		return res[0], nil
	}
	const minus1 = 0xffffffff // memory.grow and table.grow fail with -1
	for _, tc := range []struct {
		cfg  runtime.Config
		name string
		n    uint64
		want uint64
	}{
		{runtime.Config{MemoryLimitPages: 5}, "mgrow", 3, 2},
		{runtime.Config{MemoryLimitPages: 5}, "mgrow", 4, minus1},
		{runtime.Config{}, "mgrow", 4, 2},
		{runtime.Config{TableLimitElems: 10}, "tgrow", 6, 4},
		{runtime.Config{TableLimitElems: 10}, "tgrow", 7, minus1},
		{runtime.Config{}, "tgrow", 7, 4},
	} {
		got, err := grow(tc.cfg, tc.name, tc.n)
		require.NoError(t, err)
		require.Equal(t, tc.want, got, "%+v %s(%d)", tc.cfg, tc.name, tc.n)
	}
	_, err = grow(runtime.Config{MemoryLimitPages: 1}, "mgrow", 0)
	require.ErrorContains(t, err, "memory of 2 pages exceeds the limit of 1 pages")
	_, err = grow(runtime.Config{TableLimitElems: 3}, "tgrow", 0)
	require.ErrorContains(t, err, "table 0 of 4 elements exceeds the limit of 3 elements")
}
