package workload

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFindBenchDir(t *testing.T) {
	// Tests run in internal/workload; the module root is two levels up.
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	got, err := FindBenchDir(root)
	require.NoError(t, err)
	assert.Equal(t, root, got)

	_, err = FindBenchDir(t.TempDir())
	require.ErrorContains(t, err, "bench module not found")

	// From the repository root, bench/ is found.
	wd, err := os.Getwd()
	require.NoError(t, err)
	require.NoError(t, os.Chdir(filepath.Dir(root)))
	defer os.Chdir(wd)
	got, err = FindBenchDir("")
	require.NoError(t, err)
	assert.Equal(t, root, got)
}

func TestSplitList(t *testing.T) {
	assert.Equal(t, []string{"a", "b"}, SplitList(" a, ,b,"))
	assert.Empty(t, SplitList(""))
}
