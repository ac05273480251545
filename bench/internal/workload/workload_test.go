package workload

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Each testdata/gobench/X.txt normalizes to X.want.
func TestNormalizeGoBench(t *testing.T) {
	inputs, err := filepath.Glob("testdata/gobench/*.txt")
	require.NoError(t, err)
	require.NotEmpty(t, inputs)
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			data, err := os.ReadFile(in)
			require.NoError(t, err)
			want, err := os.ReadFile(strings.TrimSuffix(in, ".txt") + ".want")
			require.NoError(t, err)
			assert.Equal(t, string(want), string(NormalizeGoBench(data)))
		})
	}
}

func TestDigest(t *testing.T) {
	native, err := GoBench.Digest("testdata/gobench/native.txt")
	require.NoError(t, err)
	wasm, err := GoBench.Digest("testdata/gobench/wasm.txt")
	require.NoError(t, err)
	failed, err := GoBench.Digest("testdata/gobench/failed.txt")
	require.NoError(t, err)
	assert.Equal(t, native, wasm, "timings and headers are ignored")
	assert.NotEqual(t, native, failed)

	exactNative, err := Exact.Digest("testdata/gobench/native.txt")
	require.NoError(t, err)
	exactWasm, err := Exact.Digest("testdata/gobench/wasm.txt")
	require.NoError(t, err)
	assert.NotEqual(t, exactNative, exactWasm)
	assert.Len(t, exactNative, 64)

	_, err = Exact.Digest("testdata/nope")
	require.Error(t, err)
}

func TestGeneratorsAreDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	require.NoError(t, WriteText(&a, 100000, 7))
	require.NoError(t, WriteText(&b, 100000, 7))
	assert.Equal(t, 100000, a.Len())
	assert.Equal(t, a.Bytes(), b.Bytes())
	assert.Contains(t, a.String(), " the ")

	a.Reset()
	require.NoError(t, WriteBinary(&a, 1001, 9))
	assert.Equal(t, 1001, a.Len())

	a.Reset()
	require.NoError(t, WriteSQL(&a, 100))
	assert.Contains(t, a.String(), "WHERE x<100)")
	assert.Equal(t, 2, strings.Count(a.String(), "WHERE k = "))
}

func TestCachedInputs(t *testing.T) {
	e := &Env{InputDir: t.TempDir(), Scale: 0.001}
	p, err := textInput("text", 10*mib)(e)
	require.NoError(t, err)
	st, err := os.Stat(p)
	require.NoError(t, err)
	assert.Equal(t, int64(10486), st.Size())
	p2, err := textInput("text", 10*mib)(e)
	require.NoError(t, err)
	assert.Equal(t, p, p2)

	_, err = derivedInput("x.gz", textInput("text", 10*mib), "minigzip")(e)
	require.ErrorContains(t, err, "native runner")
}

func TestSelect(t *testing.T) {
	all, err := Select(nil)
	require.NoError(t, err)
	assert.Equal(t, len(All()), len(all))

	ws, err := Select([]string{"Go", "hello"})
	require.NoError(t, err)
	var names []string
	for _, w := range ws {
		names = append(names, w.Name)
		assert.True(t, w.Group == GroupGo || w.Name == "hello")
	}
	assert.Contains(t, names, "hello")
	assert.Contains(t, names, "go-sort")

	ws, err = Select([]string{GroupSIMD})
	require.NoError(t, err)
	names = nil
	for _, w := range ws {
		names = append(names, w.Name)
	}
	assert.Equal(t, []string{"simd-image", "simd-hash", "simd-zlib-compress", "simd-zlib-decompress"}, names)

	_, err = Select([]string{"nonesuch"})
	require.ErrorContains(t, err, "nonesuch")
}

func TestWorkloadTable(t *testing.T) {
	seen := map[string]bool{}
	for _, w := range All() {
		assert.False(t, seen[w.Name], "duplicate %s", w.Name)
		seen[w.Name] = true
		assert.Contains(t, Groups, w.Group, w.Name)
		assert.NotEmpty(t, w.Bin, w.Name)
		require.NotNil(t, w.Args, w.Name)
		w.Args(1)
	}
	for _, g := range Groups {
		n := 0
		for _, w := range All() {
			if w.Group == g {
				n++
			}
		}
		assert.Positive(t, n, g)
	}
}
