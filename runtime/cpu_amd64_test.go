package runtime

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/compiler"
	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/compiler/wat"
	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// TestLoadRefusesMissingCPUFeatures builds an artifact for x86-64-v3 (VEX
// code) and loads it on a host described without AVX2: the loader refuses
// it, naming the file, the missing features and the fix. On the real host
// (when it has them) it runs.
func TestLoadRefusesMissingCPUFeatures(t *testing.T) {
	bin, err := wat.Parse([]byte(`(module
	  (func (export "f") (param i32 i32) (result i32)
	    (i32x4.extract_lane 3 (i32x4.add (i32x4.splat (local.get 0)) (i32x4.splat (i32.shl (local.get 1) (local.get 0)))))))`), wasm.FeaturesV2)
	require.NoError(t, err)
	opts := compiler.DefaultOptions()
	opts.CPU, err = compiler.ParseCPU("amd64", "x86-64-v3")
	require.NoError(t, err)
	so, err := compiler.Compile(bin, opts)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "v3.so")
	require.NoError(t, os.WriteFile(path, so, 0o644))
	a, err := artifact.Parse(so)
	require.NoError(t, err)
	require.NotZero(t, a.Header.Features&artifact.FeatureAVX, "the code uses VEX encodings: %v", a.Header.Features)

	old := New(Config{})
	defer old.Close()
	old.host.Features &^= artifact.FeatureAVX | artifact.FeatureAVX2 | artifact.FeatureBMI2 // a machine of 2012
	_, err = old.LoadFile(path)
	require.ErrorIs(t, err, artifact.ErrFeatures)
	require.ErrorContains(t, err, path+": artifact: needs CPU features ")
	require.ErrorContains(t, err, "AVX")
	require.ErrorContains(t, err, "that this CPU lacks (it was built with --cpu x86-64-v3); rebuild it with --cpu baseline")
	_, err = old.Load(so)
	require.True(t, errors.Is(err, artifact.ErrFeatures), "%v", err)

	host := artifact.DetectHost()
	if missing := a.Header.Features &^ host.Features; missing != 0 {
		t.Logf("not run: this machine lacks %v", missing)
		return
	}
	rt := New(Config{})
	defer rt.Close()
	m, err := rt.LoadFile(path)
	require.NoError(t, err)
	defer m.Close()
	inst, err := m.Instantiate(context.Background(), nil)
	require.NoError(t, err)
	defer inst.Close()
	res, err := inst.ExportedFunction("f").Call(context.Background(), 3, 5)
	require.NoError(t, err)
	require.Equal(t, uint64(3+5<<3), res[0])
}
