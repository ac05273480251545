package artifact

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestUv32 checks the site tables' fast varint reader against the standard
// one: it must take exactly the minimal encodings of 32-bit values.
func TestUv32(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 200000; i++ {
		var b []byte
		switch r.Intn(4) {
		case 0:
			b = binary.AppendUvarint(nil, uint64(r.Uint32()))
		case 1:
			b = binary.AppendUvarint(nil, r.Uint64()>>uint(r.Intn(64)))
		default:
			b = make([]byte, r.Intn(12))
			for j := range b {
				b[j] = byte(r.Intn(256))
				if r.Intn(3) == 0 {
					b[j] |= 0x80
				}
			}
		}
		if r.Intn(2) == 0 {
			b = append(b, 1, 2, 3, 4, 5, 6, 7, 8) // take the 8-byte path
		}
		v, n, ok := uv32(b, 0)
		want, wn := binary.Uvarint(b)
		minimal := wn == 1 || wn > 1 && b[wn-1] != 0
		if wantOK := wn > 0 && want <= 1<<32-1 && minimal; ok != wantOK {
			t.Fatalf("% x: ok %v, want %v", b, ok, wantOK)
		}
		if ok {
			require.Equal(t, want, uint64(v), "% x", b)
			require.Equal(t, wn, n, "% x", b)
		}
	}
}

// TestEntry checks the word-at-a-time site decoder against one varint at a
// time, on damaged input too.
func TestEntry(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for i := 0; i < 100000; i++ {
		b := make([]byte, r.Intn(40))
		for j := range b {
			b[j] = byte(r.Intn(256))
			if r.Intn(4) != 0 {
				b[j] |= 0x80
			}
		}
		withKind := r.Intn(2) == 0
		s, n, ok := entry(b, 0, withKind)
		want, p, wok := entryBytewise(b, 0, withKind)
		require.Equal(t, wok, ok, "% x", b)
		if ok {
			require.Equal(t, want, s, "% x", b)
			require.Equal(t, p, n, "% x", b)
		}
	}
}

// TestLazySites compares the encoded tables with the decoded ones, on a
// table small enough to be checked inline and one checked on its own
// goroutine.
func TestLazySites(t *testing.T) {
	for _, n := range []int{3, 1 + parallelSites/3} {
		a := bigArtifact(n)
		b := mustMarshal(t, a)
		eager, err := Parse(b)
		require.NoError(t, err)
		lazy, err := ParseWith(b, Options{LazySites: true})
		require.NoError(t, err)
		require.Nil(t, lazy.Code.Traps)
		require.Nil(t, lazy.Code.Calls)
		require.Equal(t, a.Code.Traps, eager.Code.Traps)
		require.Equal(t, a.Code.Traps, lazy.Code.TrapSites())
		require.Equal(t, a.Code.Calls, lazy.Code.CallSites())
		require.Equal(t, eager.Code.TrapSites(), eager.Code.Traps)
		for _, s := range a.Code.Traps {
			got, ok := lazy.Code.TrapAt(s.Offset)
			require.True(t, ok)
			require.Equal(t, s, got)
			_, ok = lazy.Code.TrapAt(s.Offset + 1)
			require.False(t, ok)
			_, ok = lazy.Code.CallAt(s.Offset)
			require.False(t, ok)
		}
		for _, s := range a.Code.Calls {
			got, ok := lazy.Code.CallAt(s.Offset)
			require.True(t, ok)
			require.Equal(t, s, got)
		}
		_, ok := lazy.Code.TrapAt(0)
		require.False(t, ok)
		_, ok = lazy.Code.TrapAt(^uint32(0))
		require.False(t, ok)

		// Parse copies the tables out of the caller's bytes.
		clear(b)
		got, ok := lazy.Code.TrapAt(a.Code.Traps[0].Offset)
		require.True(t, ok)
		require.Equal(t, a.Code.Traps[0], got)
	}
}

// TestSiteErrors damages large and small site tables and checks that both
// readers, eager and lazy, report what the writer's check reports, and that
// an error elsewhere still comes first.
func TestSiteErrors(t *testing.T) {
	for _, n := range []int{4, 1 + parallelSites/3} {
		for name, f := range map[string]func(a *Artifact){
			"trap not sorted": func(a *Artifact) {
				a.Code.Traps[n], a.Code.Traps[n+1] = a.Code.Traps[n+1], a.Code.Traps[n]
			},
			"trap kind":          func(a *Artifact) { a.Code.Traps[len(a.Code.Traps)-1].Kind = 0 },
			"trap function":      func(a *Artifact) { a.Code.Traps[2].Func = uint32(n) },
			"call outside":       func(a *Artifact) { a.Code.Calls[1].Func = 0 },
			"trap and call":      func(a *Artifact) { a.Code.Traps[5].Kind = 99; a.Code.Calls[0].Func = 7 },
			"export before trap": func(a *Artifact) { a.Code.Traps[5].Kind = 99; a.Module.Exports[0].Index = 1 << 30 },
		} {
			a := bigArtifact(n)
			f(a)
			want := validate(a, uint64(len(a.Text)), uint64(len(a.Rodata)))
			require.Error(t, want, name)
			b := unchecked(a)
			for _, o := range []Options{{}, {LazySites: true}} {
				_, err := ParseWith(b, o)
				require.EqualError(t, err, want.Error(), "%s, %d functions, %+v", name, n, o)
				_, err = ParseReaderAtWith(bytes.NewReader(b), int64(len(b)), o)
				require.EqualError(t, err, want.Error(), "%s, %d functions, %+v", name, n, o)
			}
		}
	}
}

// TestSiteEncodingErrors damages bytes of a large encoded trap table: the
// eager and the lazy reader must agree on every result.
func TestSiteEncodingErrors(t *testing.T) {
	a := bigArtifact(1 + parallelSites/3)
	var e encoder
	e.sites(a.Code.Traps, true)
	enc := encodeMetadata(a)
	at := bytes.Index(enc, e.b)
	require.Positive(t, at)
	r := rand.New(rand.NewSource(2))
	failed := 0
	for i := 0; i < 300; i++ {
		p := append([]byte(nil), enc...)
		pos := at + r.Intn(len(e.b))
		p[pos] = byte(r.Intn(256))
		if r.Intn(2) == 0 {
			p[pos] |= 0x80
		}
		// Fix the checksum of the payload.
		binary.LittleEndian.PutUint32(p[12:], crc32Castagnoli(p[metaHeaderSize:]))
		b := sealed(marshal(a, p))
		eager, err1 := Parse(b)
		lazy, err2 := ParseWith(b, Options{LazySites: true})
		if err1 != nil {
			failed++
			require.ErrorContains(t, err1, "trap")
			require.EqualError(t, err2, err1.Error())
			continue
		}
		require.NoError(t, err2)
		require.Equal(t, eager.Code.Traps, lazy.Code.TrapSites())
	}
	require.Positive(t, failed)
}

func crc32Castagnoli(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }
