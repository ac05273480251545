package runtime

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twitchyliquid64/golang-asm/obj"
	"github.com/twitchyliquid64/golang-asm/obj/x86"

	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// constModule exports k() -> i32 returning v.
func constModule(v int64) func(*builder) {
	return func(b *builder) {
		b.fn("k", nil, vt(i32), true, func(a *asm, _ uint32) {
			a.op(x86.AMOVL, imm(v), reg(x86.REG_AX))
			a.op(obj.ARET, none, none)
		})
	}
}

func writeArtifactAt(t *testing.T, path string, def func(*builder)) {
	b, err := artifact.Marshal(buildArtifact(t, def))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o644))
}

// cacheTest empties the image cache and lets every file be cached at
// once (files written by a test are always "recently changed"); it puts
// things back when the test ends.
func cacheTest(t *testing.T) {
	require.NoError(t, images.flush())
	window, budget := racyWindow, imageBudget
	racyWindow = 0
	t.Cleanup(func() {
		racyWindow, imageBudget = window, budget
		require.NoError(t, images.flush())
	})
}

func idleImages() []*image {
	images.mu.Lock()
	defer images.mu.Unlock()
	return append([]*image(nil), images.idle...)
}

// cachedImage is the cached image of path as it is now, or nil.
func cachedImage(t *testing.T, path string) *image {
	fi, err := os.Stat(path)
	require.NoError(t, err)
	images.mu.Lock()
	defer images.mu.Unlock()
	return images.m[keyOf(statT(t, fi))]
}

func statT(t *testing.T, fi os.FileInfo) *syscall.Stat_t {
	st, ok := fi.Sys().(*syscall.Stat_t)
	require.True(t, ok)
	return st
}

func callK(t *testing.T, m *Module) uint64 {
	inst, err := m.Instantiate(context.Background(), nil)
	require.NoError(t, err)
	defer inst.Close()
	return call(t, inst, "k")[0]
}

func TestImageCacheHit(t *testing.T) {
	cacheTest(t)
	path := filepath.Join(t.TempDir(), "k.so")
	writeArtifactAt(t, path, constModule(7))
	rt1, rt2 := newRuntime(t), newRuntime(t)

	m1, err := rt1.LoadFile(path)
	require.NoError(t, err)
	m2, err := rt2.LoadFile(path)
	require.NoError(t, err)
	require.Same(t, m1.img, m2.img, "the second load maps nothing")
	require.Equal(t, m1.text, m2.text)
	require.Equal(t, 2, m1.img.refs)

	// Instances of the two share code, not state: closing one module
	// leaves the other running.
	i1 := instantiate(t, m1, nil)
	i2 := instantiate(t, m2, nil)
	require.NotEqual(t, i1.vm, i2.vm)
	require.NoError(t, i1.Close())
	require.NoError(t, m1.Close())
	require.Equal(t, []uint64{7}, call(t, i2, "k"))
	require.NoError(t, i2.Close())
	img := m2.img
	require.NoError(t, m2.Close())

	// Unused, it stays mapped for the next load.
	require.Equal(t, []*image{img}, idleImages())
	m3, err := newRuntime(t).LoadFile(path)
	require.NoError(t, err)
	require.Same(t, img, m3.img)
	require.Empty(t, idleImages())
	require.Equal(t, uint64(7), callK(t, m3))

	// Flushed, an image in use stays mapped for its Module only.
	require.NoError(t, FlushArtifactCache())
	require.False(t, img.cached)
	m4, err := newRuntime(t).LoadFile(path)
	require.NoError(t, err)
	require.NotSame(t, img, m4.img)
	require.Equal(t, uint64(7), callK(t, m3))
	require.NoError(t, m3.Close())
	require.Empty(t, idleImages())
	require.NoError(t, m4.Close())
	require.Equal(t, []*image{mustCached(t, path)}, idleImages())
}

// mustCached is the cached image of path, which must be there.
func mustCached(t *testing.T, path string) *image {
	img := cachedImage(t, path)
	require.NotNil(t, img)
	return img
}

// A file rewritten in place, even with the same bytes, is a new version:
// it is mapped again, and the old version leaves the cache.
func TestImageCacheRewrittenFile(t *testing.T) {
	cacheTest(t)
	path := filepath.Join(t.TempDir(), "k.so")
	writeArtifactAt(t, path, constModule(1))
	rt := newRuntime(t)
	m1, err := rt.LoadFile(path)
	require.NoError(t, err)
	old := m1.img

	// Same size and content: only the timestamps tell.
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	waitForNewCtime(t, path, func() { require.NoError(t, os.WriteFile(path, b, 0o644)) })
	m2, err := rt.LoadFile(path)
	require.NoError(t, err)
	require.NotSame(t, old, m2.img)
	require.False(t, old.cached, "the old version left the cache")
	require.Same(t, m2.img, cachedImage(t, path))
	require.Equal(t, uint64(1), callK(t, m1), "a module of the old version still runs")
	require.NoError(t, m1.Close())
	require.NotContains(t, idleImages(), old)
	require.NoError(t, m2.Close())

	// New content.
	waitForNewCtime(t, path, func() { writeArtifactAt(t, path, constModule(2)) })
	m3, err := rt.LoadFile(path)
	require.NoError(t, err)
	require.Equal(t, uint64(2), callK(t, m3))
	require.NoError(t, m3.Close())
	require.Len(t, idleImages(), 1)

	// Replaced by rename: a new inode.
	tmp := path + ".new"
	writeArtifactAt(t, tmp, constModule(3))
	require.NoError(t, os.Rename(tmp, path))
	m4, err := rt.LoadFile(path)
	require.NoError(t, err)
	require.Equal(t, uint64(3), callK(t, m4))
	require.NoError(t, m4.Close())
}

// waitForNewCtime runs write after the file system clock has moved on, so
// that write gives path a new ctime.
func waitForNewCtime(t *testing.T, path string, write func()) {
	before, err := os.Stat(path)
	require.NoError(t, err)
	for range 100 {
		time.Sleep(5 * time.Millisecond)
		write()
		after, err := os.Stat(path)
		require.NoError(t, err)
		if keyOf(statT(t, after)) != keyOf(statT(t, before)) {
			return
		}
	}
	t.Fatal("the file's timestamps do not change")
}

// A file changed within racyWindow is loaded but not cached: it could
// change again within the same timestamp tick.
func TestImageCacheRecentlyChanged(t *testing.T) {
	cacheTest(t)
	racyWindow = time.Hour
	path := filepath.Join(t.TempDir(), "k.so")
	writeArtifactAt(t, path, constModule(5))
	rt := newRuntime(t)
	m1, err := rt.LoadFile(path)
	require.NoError(t, err)
	m2, err := rt.LoadFile(path)
	require.NoError(t, err)
	require.NotSame(t, m1.img, m2.img)
	require.False(t, m1.img.cached)
	require.Nil(t, cachedImage(t, path))
	require.Equal(t, uint64(5), callK(t, m2))
	require.NoError(t, m1.Close())
	require.NoError(t, m2.Close())
	require.Empty(t, idleImages())
}

func TestImageCacheEviction(t *testing.T) {
	cacheTest(t)
	dir := t.TempDir()
	rt := newRuntime(t)
	var paths []string
	var imgs []*image
	for i := range 4 {
		p := filepath.Join(dir, fmt.Sprintf("k%d.so", i))
		writeArtifactAt(t, p, constModule(int64(i)))
		paths = append(paths, p)
	}
	imageBudget.n = 2
	for _, p := range paths {
		m, err := rt.LoadFile(p)
		require.NoError(t, err)
		imgs = append(imgs, m.img)
		require.NoError(t, m.Close())
	}
	// The least recently used went first.
	require.Equal(t, imgs[2:], idleImages())
	require.Nil(t, cachedImage(t, paths[0]))
	require.False(t, imgs[0].cached)

	// A hit makes an image the most recently used.
	m, err := rt.LoadFile(paths[2])
	require.NoError(t, err)
	require.Same(t, imgs[2], m.img)
	require.NoError(t, m.Close())
	require.Equal(t, []*image{imgs[3], imgs[2]}, idleImages())

	// The byte budget: one file's worth.
	imageBudget.bytes = imgs[3].size
	m, err = rt.LoadFile(paths[1])
	require.NoError(t, err)
	img := m.img
	require.NoError(t, m.Close())
	require.Equal(t, []*image{img}, idleImages())
	require.Equal(t, uint64(1), callK(t, mustLoad(t, rt, paths[1])))

	// Images in use are not counted: none is evicted while used.
	imageBudget.n = 0
	var ms []*Module
	for _, p := range paths {
		m, err := rt.LoadFile(p)
		require.NoError(t, err)
		ms = append(ms, m)
	}
	for i, m := range ms {
		require.Equal(t, uint64(i), callK(t, m))
		require.NoError(t, m.Close())
	}
	require.Empty(t, idleImages())
}

func mustLoad(t *testing.T, rt *Runtime, path string) *Module {
	m, err := rt.LoadFile(path)
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

// A failed load caches nothing, and a file that failed loads once fixed.
func TestImageCacheLoadErrors(t *testing.T) {
	cacheTest(t)
	path := filepath.Join(t.TempDir(), "k.so")
	require.NoError(t, os.WriteFile(path, []byte("not an artifact"), 0o644))
	rt := newRuntime(t)
	_, err := rt.LoadFile(path)
	require.ErrorIs(t, err, artifact.ErrTruncated)

	// Verification fails after parsing: nothing is mapped or cached.
	art := buildArtifact(t, constModule(1))
	art.Header.ABIVersion = 99
	b, err := artifact.Marshal(art)
	require.NoError(t, err)
	waitForNewCtime(t, path, func() { require.NoError(t, os.WriteFile(path, b, 0o644)) })
	_, err = rt.LoadFile(path)
	require.ErrorIs(t, err, artifact.ErrVersion)
	require.Nil(t, cachedImage(t, path))

	waitForNewCtime(t, path, func() { writeArtifactAt(t, path, constModule(9)) })
	m := mustLoad(t, rt, path)
	require.Equal(t, uint64(9), callK(t, m))
	require.NotNil(t, cachedImage(t, path))

	// Directories and missing files fail as before, cached or not.
	_, err = rt.LoadFile(filepath.Dir(path))
	require.Error(t, err)
	_, err = rt.LoadFile(path + ".missing")
	require.ErrorIs(t, err, os.ErrNotExist)
}

// A cached module behaves as the first: trap sites and names are found
// in the shared tables.
func TestImageCacheSameBehaviour(t *testing.T) {
	cacheTest(t)
	path := filepath.Join(t.TempDir(), "trap.so")
	writeArtifactAt(t, path, trapModule)
	var msgs []string
	for range 3 {
		rt := New(Config{})
		m, err := rt.LoadFile(path)
		require.NoError(t, err)
		inst, err := m.Instantiate(context.Background(), nil)
		require.NoError(t, err)
		_, err = inst.Call(context.Background(), "div", 1, 0)
		requireTrap(t, err, TrapIntegerDivideByZero, 0)
		msgs = append(msgs, err.Error())
		require.Equal(t, []uint64{3}, call(t, inst, "div", 7, 2))
		require.NoError(t, inst.Close())
		require.NoError(t, m.Close())
		require.NoError(t, rt.Close())
	}
	require.Equal(t, []string{msgs[0], msgs[0], msgs[0]}, msgs)
	require.Equal(t, `wasm trap: integer divide by zero (in function 0 "div" at wasm offset 0x2a)`, msgs[0])
}

// Loads, calls and closes of the same files from many goroutines (run it
// with -race).
func TestImageCacheConcurrent(t *testing.T) {
	cacheTest(t)
	imageBudget.n = 1
	dir := t.TempDir()
	var paths []string
	for i := range 3 {
		p := filepath.Join(dir, fmt.Sprintf("k%d.so", i))
		writeArtifactAt(t, p, constModule(int64(10+i)))
		paths = append(paths, p)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			rt := New(Config{})
			defer rt.Close()
			for i := range 50 {
				k := (g + i) % len(paths)
				m, err := rt.LoadFile(paths[k])
				if err != nil {
					errs <- err
					return
				}
				inst, err := m.Instantiate(context.Background(), nil)
				if err != nil {
					errs <- err
					return
				}
				res, err := inst.Call(context.Background(), "k")
				if err == nil && res[0] != uint64(10+k) {
					err = fmt.Errorf("%s: k() = %d", paths[k], res[0])
				}
				if err != nil {
					errs <- err
					return
				}
				inst.Close()
				m.Close()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Len(t, idleImages(), 1)
	images.mu.Lock()
	defer images.mu.Unlock()
	for _, img := range images.m {
		require.Zero(t, img.refs)
	}
}
