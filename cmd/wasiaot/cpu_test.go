package main

import (
	"path/filepath"
	goruntime "runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/runtime/artifact"
)

func TestCPUFlag(t *testing.T) {
	if goruntime.GOARCH != "amd64" {
		t.Skip("the x86-64 levels are amd64's")
	}
	mod := writeFile(t, "add.wasm", addModule)
	so := filepath.Join(t.TempDir(), "add.so")
	status, _, errOut := run(t, "build", "--cpu", "x86-64-v3", mod, "-o", so)
	require.Equal(t, 0, status, errOut)
	status, out, _ := run(t, "inspect", so)
	require.Equal(t, 0, status)
	assert.Contains(t, out, "cpu=x86-64-v3")

	status, _, errOut = run(t, "build", "--cpu", "pentium", mod, "-o", so)
	assert.Equal(t, 2, status)
	assert.Contains(t, errOut, `--cpu: unknown CPU level "pentium" for amd64 (valid: baseline, x86-64-v2, x86-64-v3, native)`)
	status, _, errOut = run(t, "build", "--target", "arm64", "--cpu", "x86-64-v3", mod, "-o", so)
	assert.Equal(t, 2, status)
	assert.Contains(t, errOut, `--cpu: CPU level "x86-64-v3" is for amd64, not arm64 (valid for arm64: baseline)`)

	status, _, errOut = run(t, "run", "--cpu", "x86-64-v3", so)
	assert.Equal(t, 2, status)
	assert.Contains(t, errOut, "--cpu applies to a module that run compiles")

	if artifact.DetectHost().Features&artifact.FeatureAVX2 != 0 {
		status, out, errOut = run(t, "run", "--no-cache", "--cpu", "x86-64-v3", "--invoke", "add", mod, "40", "2")
		require.Equal(t, 0, status, errOut)
		assert.Equal(t, "42\n", out)
	}
	status, out, errOut = run(t, "run", "--no-cache", "--cpu", "baseline", "--invoke", "add", mod, "40", "2")
	require.Equal(t, 0, status, errOut)
	assert.Equal(t, "42\n", out)
}
