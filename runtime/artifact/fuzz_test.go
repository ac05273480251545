package artifact

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"hash/crc32"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzParse feeds damaged artifacts to the readers. They must not panic,
// must agree with each other, and whatever they accept must be something the
// writer accepts and reproduces.
func FuzzParse(f *testing.F) {
	f.Add(mustMarshal(f, sampleArtifact()))
	f.Add(mustMarshal(f, bigArtifact(3)))
	signed := sampleArtifact()
	if err := Sign(signed, testKey(1)); err != nil {
		f.Fatal(err)
	}
	f.Add(mustMarshal(f, signed))
	arm := &Artifact{Header: Header{Arch: ArchARM64, Features: FeatureARM64LSE}, Text: fnCode}
	arm.Module.Types = []FuncType{{}}
	arm.Module.Funcs = []Func{{Offset: 0, Size: uint32(len(fnCode))}}
	f.Add(mustMarshal(f, arm))

	pub := testKey(1).Public().(ed25519.PublicKey)
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Parse(b)
		a2, err2 := ParseReaderAt(bytes.NewReader(b), int64(len(b)))
		checkLazy(t, b, a, err)
		if err != nil {
			require.EqualError(t, err2, err.Error())
			var ae *Error
			require.ErrorAs(t, err, &ae)
			return
		}
		require.NoError(t, err2)
		a2.Text, a2.Rodata = a.Text, a.Rodata
		require.Equal(t, a, a2)

		out, err := Marshal(a)
		require.NoError(t, err)
		back, err := Parse(out)
		require.NoError(t, err)
		require.Equal(t, comparable(a), comparable(back))
		if err := VerifySignature(b, pub); err != nil {
			require.ErrorIs(t, err, ErrSignature)
		}
	})
}

// withPayload wraps a metadata payload in a valid header and checksum and
// puts it in the sample's ELF file, so the fuzzer gets past the checksum.
func withPayload(p []byte) []byte {
	hdr := binary.LittleEndian.AppendUint32([]byte(metaMagic), FormatVersion)
	hdr = binary.LittleEndian.AppendUint32(hdr, crc32.Checksum(p, castagnoli))
	hdr = binary.LittleEndian.AppendUint64(hdr, uint64(len(p)))
	return sealed(marshal(sampleArtifact(), append(hdr, p...)))
}

// FuzzMetadata mutates the metadata payload only, behind a correct checksum,
// to exercise the decoder and the consistency checks.
func FuzzMetadata(f *testing.F) {
	for _, a := range []*Artifact{sampleArtifact(), bigArtifact(2)} {
		f.Add(encodeMetadata(a)[metaHeaderSize:])
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		b := withPayload(p)
		a, err := Parse(b)
		checkLazy(t, b, a, err)
		if err != nil {
			var ae *Error
			require.ErrorAs(t, err, &ae)
			return
		}
		out, err := Marshal(a)
		require.NoError(t, err)
		back, err := Parse(out)
		require.NoError(t, err)
		require.Equal(t, comparable(a), comparable(back))
	})
}

// checkLazy parses b keeping the site tables encoded and checks that this
// agrees with the eager result a, err.
func checkLazy(t *testing.T, b []byte, a *Artifact, err error) {
	lazy, lerr := ParseWith(b, Options{LazySites: true})
	if err != nil {
		require.EqualError(t, lerr, err.Error())
		return
	}
	require.NoError(t, lerr)
	require.Equal(t, a.Code.Traps, lazy.Code.TrapSites())
	require.Equal(t, a.Code.Calls, lazy.Code.CallSites())
	for _, s := range a.Code.Traps {
		got, ok := lazy.Code.TrapAt(s.Offset)
		require.True(t, ok)
		require.Equal(t, s, got)
	}
	lazy.Code.Traps, lazy.Code.Calls = a.Code.Traps, a.Code.Calls
	lazy.Code.traps, lazy.Code.calls = nil, nil
	require.Equal(t, a, lazy)
}
