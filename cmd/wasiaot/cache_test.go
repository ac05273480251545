package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/compiler/cache"
)

// isolateCache points the tests' compile cache at a temporary directory,
// out of the user's, and returns its removal (TestMain calls it).
func isolateCache() (cleanup func()) {
	dir, err := os.MkdirTemp("", "wasiaot-cache-test")
	if err != nil {
		panic(err)
	}
	os.Setenv(cache.EnvDir, dir)
	return func() { os.RemoveAll(dir) }
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func TestRunCache(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "c")
	wat := writeFile(t, "arith.wat", []byte(arithWat))
	for i := range 2 {
		status, out, errOut := run(t, "run", "--cache-dir", dir, "--invoke", "add", wat, "1", "2")
		require.Equal(t, 0, status, errOut)
		assert.Equal(t, "3\n", out)
		assert.Empty(t, errOut, "run %d", i)
		names := entries(t, dir)
		require.Len(t, names, 1, "one entry after run %d", i)
		require.True(t, strings.HasSuffix(names[0], ".so"))
	}
	st, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), st.Mode().Perm())

	// A damaged entry is compiled again, replaced, and the program runs.
	entry := filepath.Join(dir, entries(t, dir)[0])
	good, err := os.ReadFile(entry)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(entry, good[:len(good)-9], 0o600))
	status, out, errOut := run(t, "run", "--cache-dir", dir, "--invoke", "add", wat, "4", "5")
	require.Equal(t, 0, status, errOut)
	assert.Equal(t, "9\n", out)
	assert.Empty(t, errOut)
	got, err := os.ReadFile(entry)
	require.NoError(t, err)
	assert.Equal(t, good, got)

	// The environment variable names the directory too.
	envDir := filepath.Join(t.TempDir(), "env")
	t.Setenv(cache.EnvDir, envDir)
	status, _, errOut = run(t, "run", "--invoke", "add", wat, "1", "2")
	require.Equal(t, 0, status, errOut)
	assert.Len(t, entries(t, envDir), 1)
}

func TestRunNoCache(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "c")
	wat := writeFile(t, "arith.wat", []byte(arithWat))
	status, out, errOut := run(t, "run", "--no-cache", "--cache-dir", dir, "--invoke", "add", wat, "1", "2")
	require.Equal(t, 0, status, errOut)
	assert.Equal(t, "3\n", out)
	assert.Empty(t, entries(t, dir), "--no-cache writes nothing")
}

// TestRunCacheUnusable checks that a cache that cannot be used is reported
// and the program runs all the same.
func TestRunCacheUnusable(t *testing.T) {
	file := writeFile(t, "notadir", []byte("x"))
	wat := writeFile(t, "arith.wat", []byte(arithWat))
	status, out, errOut := run(t, "run", "--cache-dir", file, "--invoke", "add", wat, "1", "2")
	require.Equal(t, 0, status, errOut)
	assert.Equal(t, "3\n", out)
	assert.Contains(t, errOut, "not a directory; compiling without the cache")
}

// TestNoProgressOffTerminal checks that build and run draw no progress when
// standard error is a file, as in a log or a pipe.
func TestNoProgressOffTerminal(t *testing.T) {
	errFile, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	require.NoError(t, err)
	defer errFile.Close()
	wat := writeFile(t, "arith.wat", []byte(arithWat))
	so := filepath.Join(t.TempDir(), "arith.so")
	var out strings.Builder
	require.Equal(t, 0, mainWithStatus(&out, errFile, []string{"build", wat, "-o", so}))
	require.Equal(t, 0, mainWithStatus(&out, errFile, []string{"run", "--no-cache", "--invoke", "add", wat, "1", "2"}))
	b, err := os.ReadFile(errFile.Name())
	require.NoError(t, err)
	assert.Empty(t, string(b))
	assert.Equal(t, "3\n", out.String())
	progress, _ := compileProgress(errFile, "x")
	assert.Nil(t, progress, "no callback, so the compiler does not even count")
}
