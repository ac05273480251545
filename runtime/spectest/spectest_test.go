package spectest_test

import (
	"bytes"
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/runtime"
	"github.com/wasiaot/wasiaot/runtime/spectest"
)

func TestSpectestModule(t *testing.T) {
	rt := runtime.New(runtime.Config{})
	defer rt.Close()
	var out bytes.Buffer
	im, err := spectest.Imports(rt, &out)
	require.NoError(t, err)
	ctx := context.Background()

	g := im["spectest"]["global_i32"].(*runtime.Global)
	require.Equal(t, uint64(666), g.Get())
	require.Equal(t, runtime.GlobalType{Type: runtime.I32}, g.Type())
	require.Equal(t, uint64(666), im["spectest"]["global_i64"].(*runtime.Global).Get())
	require.Equal(t, float32(666.6), math.Float32frombits(uint32(im["spectest"]["global_f32"].(*runtime.Global).Get())))
	require.Equal(t, 666.6, math.Float64frombits(im["spectest"]["global_f64"].(*runtime.Global).Get()))
	require.Error(t, g.Set(1))

	tab := im["spectest"]["table"].(*runtime.Table)
	require.Equal(t, runtime.TableType{Elem: runtime.FuncRef, Limits: runtime.Limits{Min: 10, Max: 20, HasMax: true}}, tab.Type())
	mem := im["spectest"]["memory"].(*runtime.Memory)
	require.Equal(t, uint32(1), mem.Size())
	_, ok := mem.Grow(1)
	require.True(t, ok)
	_, ok = mem.Grow(1)
	require.False(t, ok)

	p := im["spectest"]["print_i32_f32"].(*runtime.Function)
	_, err = p.Call(ctx, 0xffffffff, uint64(math.Float32bits(1.5)))
	require.NoError(t, err)
	_, err = im["spectest"]["print"].(*runtime.Function).Call(ctx)
	require.NoError(t, err)
	require.Equal(t, "-1 : i32 1.5 : f32\n\n", out.String())
}
