package runtime

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// TestLoadFileRewrittenAfterLoad: the code that runs is the code that was
// checked. The file's .text is overwritten in place (same inode) after the
// load: the loaded module still runs its own code, and a new load refuses
// the file by name of the damaged section.
func TestLoadFileRewrittenAfterLoad(t *testing.T) { bothImageKinds(t, testLoadFileRewrittenAfterLoad) }

// bothImageKinds runs test with artifacts read into the heap and copied
// (small ones), and read straight into code pages (large ones).
func bothImageKinds(t *testing.T, test func(t *testing.T)) {
	defer func(n int64) { smallImage = n }(smallImage)
	for _, n := range []int64{smallImage, 0} {
		smallImage = n
		t.Run(fmt.Sprintf("smallImage=%d", n), test)
	}
}

func testLoadFileRewrittenAfterLoad(t *testing.T) {
	cacheTest(t)
	rt := newRuntime(t)
	path := filepath.Join(t.TempDir(), "k.so")
	writeArtifactAt(t, path, constModule(41))
	m, err := rt.LoadFile(path)
	require.NoError(t, err)
	defer m.Close()

	a, err := artifact.Parse(mustRead(t, path))
	require.NoError(t, err)
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	require.NoError(t, err)
	// int3 over the whole of .text.
	_, err = f.WriteAt(bytes.Repeat([]byte{0xcc}, int(a.Layout.TextSize)), int64(a.Layout.TextOffset))
	require.NoError(t, err)
	require.NoError(t, f.Close())

	require.Equal(t, []uint64{41}, call(t, instantiate(t, m, nil), "k"))
	_, err = rt.LoadFile(path)
	require.ErrorIs(t, err, artifact.ErrCorrupt)
	require.EqualError(t, err, path+": artifact corrupted: .text digest mismatch")
	_, err = rt.Load(mustRead(t, path))
	require.EqualError(t, err, "artifact corrupted: .text digest mismatch")
}

func mustRead(t *testing.T, path string) []byte {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

func signedFile(t *testing.T, dir, name string, key ed25519.PrivateKey) string {
	a := buildArtifact(t, constModule(7))
	if key != nil {
		require.NoError(t, artifact.Sign(a, key))
	}
	b, err := artifact.Marshal(a)
	require.NoError(t, err)
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, b, 0o644))
	return p
}

// TestTrustedKeys: with Config.TrustedKeys, only artifacts signed by one of
// them load, from a file or from memory, cached or not.
func TestTrustedKeys(t *testing.T) { bothImageKinds(t, testTrustedKeys) }

func testTrustedKeys(t *testing.T) {
	cacheTest(t)
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32))
	other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, 32))
	pub := key.Public().(ed25519.PublicKey)
	dir := t.TempDir()
	unsigned := signedFile(t, dir, "unsigned.so", nil)
	good := signedFile(t, dir, "good.so", key)
	wrong := signedFile(t, dir, "wrong.so", other)

	// Loaded (and cached) by a Runtime that asks for nothing first.
	open := newRuntime(t)
	for _, p := range []string{unsigned, good, wrong} {
		m, err := open.LoadFile(p)
		require.NoError(t, err)
		require.NoError(t, m.Close())
	}
	strict := New(Config{TrustedKeys: []ed25519.PublicKey{pub}})
	defer strict.Close()
	for round := range 2 {
		_, err := strict.LoadFile(unsigned)
		require.ErrorIs(t, err, artifact.ErrSignature, "round %d", round)
		require.EqualError(t, err, unsigned+": artifact: not signed, and a signature by a trusted key is required")
		_, err = strict.LoadFile(wrong)
		require.EqualError(t, err, wrong+": artifact: signed by key "+artifact.KeyID(other.Public().(ed25519.PublicKey))+", which is not trusted")
		m, err := strict.LoadFile(good)
		require.NoError(t, err)
		require.Equal(t, []uint64{7}, call(t, instantiate(t, m, nil), "k"))
		require.NoError(t, m.Close())
		require.NoError(t, FlushArtifactCache())
	}
	_, err := strict.Load(mustRead(t, unsigned))
	require.ErrorIs(t, err, artifact.ErrSignature)
	m, err := strict.Load(mustRead(t, good))
	require.NoError(t, err)
	require.NoError(t, m.Close())
}

// TestLoadLimits: a file over Config.MaxArtifactSize, /dev/zero, an
// endless pipe and an empty file are errors, never memory exhausted.
func TestLoadLimits(t *testing.T) {
	rt := New(Config{MaxArtifactSize: 4096})
	defer rt.Close()
	dir := t.TempDir()
	big := signedFile(t, dir, "big.so", nil)
	_, err := rt.LoadFile(big)
	require.ErrorContains(t, err, "exceeds the limit of 4096 bytes (Config.MaxArtifactSize)")

	_, err = rt.LoadFile("/dev/zero")
	require.EqualError(t, err, `/dev/zero: artifact: bad magic "\x00\x00\x00\x00", not an ELF file`)

	// A FIFO whose writer sends an ELF header, then never stops.
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	done := make(chan struct{})
	go func() {
		defer close(done)
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer w.Close()
		chunk := make([]byte, 1024)
		copy(chunk, "\x7fELF")
		for {
			if _, err := w.Write(chunk); err != nil {
				return // the reader gave up
			}
			clear(chunk)
		}
	}()
	_, err = rt.LoadFile(fifo)
	require.EqualError(t, err, fifo+": input exceeds the limit of 4096 bytes (Config.MaxArtifactSize)")
	<-done

	empty := filepath.Join(dir, "empty.so")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	_, err = New(Config{}).LoadFile(empty)
	require.EqualError(t, err, empty+": artifact: truncated: file is 0 bytes, the ELF header needs 64")
}

// TestPerfMap: with Config.PerfMap, the loaded code's functions are listed
// for perf at their addresses, for a fresh load and for a cached one.
func TestPerfMap(t *testing.T) { bothImageKinds(t, testPerfMap) }

func testPerfMap(t *testing.T) {
	cacheTest(t)
	old := perfMapPath
	perfMapPath = filepath.Join(t.TempDir(), "perf-1.map")
	defer func() { perfMapPath = old }()
	path := signedFile(t, t.TempDir(), "k.so", nil)
	plain := newRuntime(t)
	m0, err := plain.LoadFile(path) // cached without a perf map
	require.NoError(t, err)
	_, err = os.Stat(perfMapPath)
	require.True(t, os.IsNotExist(err))

	rt := New(Config{PerfMap: true})
	defer rt.Close()
	m, err := rt.LoadFile(path)
	require.NoError(t, err)
	defer m.Close()
	require.Equal(t, m0.img, m.img, "the cached image")
	require.NoError(t, m0.Close())
	got := string(mustRead(t, perfMapPath))
	require.Contains(t, got, fmt.Sprintf("%x 8 k\n", m.text))
	require.Contains(t, got, " 1 wasiaot.entry.type0\n")
	m2, err := rt.Load(mustRead(t, path))
	require.NoError(t, err)
	defer m2.Close()
	require.Contains(t, string(mustRead(t, perfMapPath)), fmt.Sprintf("%x 8 k\n", m2.text))
}
