package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFindBenchDir(t *testing.T) {
	// Tests run in cmd/bench; the module root is two levels up.
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	got, err := findBenchDir(root)
	require.NoError(t, err)
	assert.Equal(t, root, got)

	_, err = findBenchDir(t.TempDir())
	require.ErrorContains(t, err, "bench module not found")

	// From the repository root, bench/ is found.
	wd, err := os.Getwd()
	require.NoError(t, err)
	require.NoError(t, os.Chdir(filepath.Dir(root)))
	defer os.Chdir(wd)
	got, err = findBenchDir("")
	require.NoError(t, err)
	assert.Equal(t, root, got)
}

func TestSplitList(t *testing.T) {
	assert.Equal(t, []string{"a", "b"}, splitList(" a, ,b,"))
	assert.Empty(t, splitList(""))
}

func TestOpenEngines(t *testing.T) {
	engs, infos, err := openEngines([]string{"wazero"})
	require.NoError(t, err)
	require.Len(t, engs, 2, "native is always added as the reference")
	assert.Equal(t, "native", engs[0].Name())
	assert.Equal(t, "wazero", engs[1].Name())
	assert.Len(t, infos, 2)

	_, _, err = openEngines([]string{"nonesuch"})
	require.ErrorContains(t, err, "unknown engine")
}
