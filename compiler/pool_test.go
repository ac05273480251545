package compiler

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWorkerReuse compiles several modules in turn, twice over: workers
// kept from one compilation to the next (with the storage they grew) must
// not change what a module compiles to, nor may the number of workers.
func TestWorkerReuse(t *testing.T) {
	files, err := filepath.Glob("testdata/exec/*.wasm")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 2)
	var mods [][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		mods = append(mods, data)
	}
	first := make([][]byte, len(mods))
	for round := range 2 {
		for i, data := range mods {
			for _, par := range []int{0, 1, 3} {
				opts := DefaultOptions()
				opts.Parallelism = par
				out, err := Compile(data, opts)
				require.NoError(t, err, files[i])
				if first[i] == nil {
					first[i] = out
					continue
				}
				require.Equal(t, first[i], out, "%s: round %d, parallelism %d", files[i], round, par)
			}
		}
	}
}

// Workers stay idle after a small module, ready for the next compile, but
// not after a big one, whose storage they would hold for good.
func TestIdleWorkersOnlyAfterSmallModules(t *testing.T) {
	files, err := filepath.Glob("testdata/exec/*.wasm")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	data, err := os.ReadFile(files[0])
	require.NoError(t, err)
	idle := func() int {
		idleWorkers.mu.Lock()
		defer idleWorkers.mu.Unlock()
		return len(idleWorkers.list)
	}

	_, err = Compile(data, DefaultOptions())
	require.NoError(t, err)
	require.Positive(t, idle(), "kept after a small module")

	before := idle()
	defer func(old int) { keepWorkersBelow = old }(keepWorkersBelow)
	keepWorkersBelow = 1 // every module counts as big
	_, err = Compile(data, DefaultOptions())
	require.NoError(t, err)
	require.Equal(t, before-1, idle(), "the idle worker it took is not given back")
}
