package cache

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/compiler"
	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// TestKey checks that the key changes with everything that changes the
// artifact, and only with that.
func TestKey(t *testing.T) {
	mod := []byte("\x00asm\x01\x00\x00\x00")
	base := compiler.DefaultOptions()
	k := Key(mod, base)
	require.Len(t, k, 64)
	require.True(t, isEntryName(k+".so"))

	same := base
	same.Parallelism = 7
	same.Progress = func(int, int) {}
	same.DumpSSA = &compiler.DumpSSA{Func: "f"}
	require.Equal(t, k, Key(mod, same), "options that do not change the output")
	host := base
	host.Target = ""
	require.Equal(t, k, Key(mod, host), "the empty target is the host's")
	v2 := base
	v2.Features = 0
	require.Equal(t, Key(mod, v2), Key(mod, func() compiler.Options { o := base; o.Features = wasm.FeaturesV2; return o }()))

	named := base
	named.CPU, _ = compiler.ParseCPU(base.Target, "baseline")
	require.Equal(t, k, Key(mod, named), "the default CPU level by name")

	differ := map[string]compiler.Options{}
	o := base
	o.OptLevel = 1
	differ["opt level"] = o
	o = base
	o.Features = wasm.FeaturesV1
	differ["features"] = o
	o = base
	o.Target = map[string]string{"amd64": "arm64", "arm64": "amd64"}[base.Target]
	differ["target"] = o
	if base.Target == "amd64" {
		o = base
		o.CPU, _ = compiler.ParseCPU("amd64", "x86-64-v3")
		differ["cpu level"] = o
	}
	for what, o := range differ {
		require.NotEqual(t, k, Key(mod, o), what)
	}
	require.NotEqual(t, k, Key(append(mod, 0), base), "module bytes")
	require.NotEmpty(t, compilerBuild(), "the running program's build identity")
}

// TestOpenDir checks that the directory is created 0700, that one open
// to others is closed, and that a file is refused.
func TestOpenDir(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "a", "wasiaot")
	c, err := Open(dir, 0)
	require.NoError(t, err)
	require.Equal(t, int64(DefaultMaxSize), c.MaxSize())
	st, err := os.Stat(dir)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), st.Mode().Perm())

	open := filepath.Join(root, "open")
	require.NoError(t, os.Mkdir(open, 0o777))
	require.NoError(t, os.Chmod(open, 0o777))
	_, err = Open(open, 1<<20)
	require.NoError(t, err)
	st, err = os.Stat(open)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), st.Mode().Perm())

	file := filepath.Join(root, "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	_, err = Open(file, 0)
	require.Error(t, err)
	_, err = Open(dir, -1)
	require.Error(t, err)
}

func TestDefaultDir(t *testing.T) {
	t.Setenv(EnvDir, "/x/y")
	d, err := DefaultDir()
	require.NoError(t, err)
	require.Equal(t, "/x/y", d)
	t.Setenv(EnvDir, "")
	t.Setenv("XDG_CACHE_HOME", "/c")
	d, err = DefaultDir()
	require.NoError(t, err)
	require.Equal(t, "/c/wasiaot", d)
}
