package cache

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/compiler"
	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/compiler/wat"
	"github.com/wasiaot/wasiaot/runtime"
)

// addModule is a module whose export "add" returns a+b+k.
func addModule(t *testing.T, k int) []byte {
	src := fmt.Sprintf(`(module (func (export "add") (param i32 i32) (result i32)
		local.get 0 local.get 1 i32.add i32.const %d i32.add))`, k)
	b, err := wat.Parse([]byte(src), wasm.FeaturesV2)
	require.NoError(t, err)
	return b
}

// load loads mod through c and checks that add(2, 3) runs and is 5+k.
func load(t *testing.T, c *Cache, mod []byte, k int) (hit bool) {
	rt := runtime.New(runtime.Config{})
	defer rt.Close()
	m, hit, err := c.Load(rt, mod, compiler.DefaultOptions())
	require.NoError(t, err)
	defer m.Close()
	inst, err := m.Instantiate(context.Background(), nil)
	require.NoError(t, err)
	defer inst.Close()
	res, err := inst.ExportedFunction("add").Call(context.Background(), 2, 3)
	require.NoError(t, err)
	require.Equal(t, uint64(5+k), res[0])
	return hit
}

func openTest(t *testing.T, max int64) *Cache {
	c, err := Open(t.TempDir(), max)
	require.NoError(t, err)
	c.OnError = func(err error) { t.Errorf("cache error: %v", err) }
	return c
}

func TestMissThenHit(t *testing.T) {
	c := openTest(t, 0)
	mod := addModule(t, 1)
	require.False(t, load(t, c, mod, 1))
	path := c.Path(Key(mod, compiler.DefaultOptions()))
	st, err := os.Lstat(path)
	require.NoError(t, err)
	require.True(t, st.Mode().IsRegular())
	want, err := compiler.Compile(mod, compiler.DefaultOptions())
	require.NoError(t, err)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, want, got, "the entry is the artifact")
	require.True(t, load(t, c, mod, 1))
	require.False(t, load(t, c, addModule(t, 2), 2), "another module is another entry")
	require.True(t, load(t, c, addModule(t, 2), 2))
	des, err := os.ReadDir(c.Dir())
	require.NoError(t, err)
	require.Len(t, des, 2, "two entries, no temporary file left")
}

// TestDamagedEntry checks that an entry changed in any way (a flipped
// byte anywhere, truncated, empty, not an artifact) is never run: it is
// compiled again and replaced.
func TestDamagedEntry(t *testing.T) {
	mod := addModule(t, 7)
	good, err := compiler.Compile(mod, compiler.DefaultOptions())
	require.NoError(t, err)
	damages := map[string]func([]byte) []byte{
		"empty":     func(b []byte) []byte { return nil },
		"truncated": func(b []byte) []byte { return b[:len(b)/2] },
		"last byte": func(b []byte) []byte { b[len(b)-1] ^= 1; return b },
		"garbage":   func(b []byte) []byte { return []byte("not an artifact") },
	}
	for _, off := range []int{0x10, len(good) / 3, len(good) / 2, len(good) - 100} {
		damages[fmt.Sprintf("byte %#x", off)] = func(b []byte) []byte { b[off] ^= 0x40; return b }
	}
	for name, damage := range damages {
		t.Run(name, func(t *testing.T) {
			c := openTest(t, 0)
			path := c.Path(Key(mod, compiler.DefaultOptions()))
			require.NoError(t, os.WriteFile(path, damage(append([]byte(nil), good...)), 0o600))
			require.False(t, load(t, c, mod, 7), "a damaged entry is not a hit")
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, good, got, "replaced by a good entry")
			require.True(t, load(t, c, mod, 7))
		})
	}
}

// TestPlantedLink checks that a symbolic link at an entry's name is
// neither loaded nor written through: it is replaced.
func TestPlantedLink(t *testing.T) {
	c := openTest(t, 0)
	mod := addModule(t, 3)
	path := c.Path(Key(mod, compiler.DefaultOptions()))
	victim := filepath.Join(t.TempDir(), "victim")
	require.NoError(t, os.WriteFile(victim, []byte("precious"), 0o600))
	require.NoError(t, os.Symlink(victim, path))
	require.False(t, load(t, c, mod, 3))
	b, err := os.ReadFile(victim)
	require.NoError(t, err)
	require.Equal(t, "precious", string(b))
	st, err := os.Lstat(path)
	require.NoError(t, err)
	require.True(t, st.Mode().IsRegular(), "the link is replaced by the entry")

	// A link to a good artifact elsewhere is not loaded either.
	other := filepath.Join(t.TempDir(), "other.so")
	good, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(other, good, 0o600))
	require.NoError(t, os.Remove(path))
	require.NoError(t, os.Symlink(other, path))
	require.False(t, load(t, c, mod, 3))
}

// TestEvict checks the size cap: the least recently used entries go, a
// hit counts as a use, and the entry just stored stays.
func TestEvict(t *testing.T) {
	mods := make([][]byte, 4)
	var size int64
	for i := range mods {
		mods[i] = addModule(t, i)
		so, err := compiler.Compile(mods[i], compiler.DefaultOptions())
		require.NoError(t, err)
		size = max(size, int64(len(so)))
	}
	c := openTest(t, 3*size)
	old := time.Now().Add(-time.Hour)
	for i := range 3 {
		require.False(t, load(t, c, mods[i], i))
		// Distinct ages without sleeping: entry i is older than i+1.
		at := old.Add(time.Duration(i) * time.Minute)
		require.NoError(t, os.Chtimes(c.Path(Key(mods[i], compiler.DefaultOptions())), at, at))
	}
	require.True(t, load(t, c, mods[0], 0), "a hit makes entry 0 the most recent")
	require.False(t, load(t, c, mods[3], 3))
	exists := func(i int) bool {
		_, err := os.Stat(c.Path(Key(mods[i], compiler.DefaultOptions())))
		return err == nil
	}
	require.True(t, exists(0))
	require.False(t, exists(1), "the least recently used is evicted")
	require.True(t, exists(2))
	require.True(t, exists(3))

	// A stale temporary file from a process that died is removed.
	tmp := filepath.Join(c.Dir(), ".tmp-123")
	require.NoError(t, os.WriteFile(tmp, []byte("half"), 0o600))
	require.NoError(t, os.Chtimes(tmp, old, old))
	require.False(t, load(t, c, mods[1], 1))
	_, err := os.Stat(tmp)
	require.True(t, os.IsNotExist(err))
}

// TestConcurrent loads one module from many goroutines at once into an
// empty cache, as concurrent runs would: every load works, and one whole
// entry is left.
func TestConcurrent(t *testing.T) {
	c := openTest(t, 0)
	mod := addModule(t, 5)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { load(t, c, mod, 5) })
	}
	wg.Wait()
	des, err := os.ReadDir(c.Dir())
	require.NoError(t, err)
	require.Len(t, des, 1)
	require.True(t, load(t, c, mod, 5))
}

// BenchmarkLoad compares loading a C program through a warm cache (a hit:
// hash the module, read and verify the entry) with compiling it (a miss,
// the cost of every run without the cache).
func BenchmarkLoad(b *testing.B) {
	mod, err := os.ReadFile("../../wasi/testdata/c/clocks.wasm")
	require.NoError(b, err)
	opts := compiler.DefaultOptions()
	rt := runtime.New(runtime.Config{})
	defer rt.Close()
	for _, bc := range []struct {
		name string
		prep func(c *Cache)
	}{
		{"hit", func(*Cache) {}},
		{"miss", func(c *Cache) { os.Remove(c.Path(Key(mod, opts))) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c, err := Open(b.TempDir(), 0)
			require.NoError(b, err)
			m, _, err := c.Load(rt, mod, opts)
			require.NoError(b, err)
			m.Close()
			for b.Loop() {
				bc.prep(c)
				m, hit, err := c.Load(rt, mod, opts)
				require.NoError(b, err)
				require.Equal(b, bc.name == "hit", hit)
				m.Close()
			}
		})
	}
}
