package artifact

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEveryByteFlipRejected flips each byte of a small artifact in turn:
// both readers must refuse every one with an *Error, and a signed file whose
// only change is in the signature bytes must fail its signature check.
func TestEveryByteFlipRejected(t *testing.T) {
	key := testKey(3)
	pub := key.Public().(ed25519.PublicKey)
	signed := sampleArtifact()
	require.NoError(t, Sign(signed, key))
	for name, good := range map[string][]byte{
		"unsigned": mustMarshal(t, sampleArtifact()),
		"signed":   mustMarshal(t, signed),
	} {
		a, err := Parse(good)
		require.NoError(t, err)
		sigLo := int(a.Layout.SignatureOffset) + sigFieldOffset
		b := bytes.Clone(good)
		for off := range b {
			b[off] ^= 0xff
			a, err := Parse(b)
			_, err2 := ParseReaderAt(bytes.NewReader(b), int64(len(b)))
			if name == "signed" && off >= sigLo && off < sigLo+64 {
				require.NoError(t, err, "%s: offset %#x", name, off)
				require.ErrorIs(t, a.SignedBy([]ed25519.PublicKey{pub}), ErrSignature, "%s: offset %#x", name, off)
			} else {
				var ae *Error
				require.ErrorAs(t, err, &ae, "%s: offset %#x accepted", name, off)
				require.EqualError(t, err2, err.Error(), "%s: offset %#x", name, off)
			}
			b[off] ^= 0xff
		}
		require.Equal(t, good, b)
	}
}

// TestDigestNamesTheSection checks that a change inside a digested section
// is reported by the section's name, and one elsewhere as the headers.
func TestDigestNamesTheSection(t *testing.T) {
	good := mustMarshal(t, sampleArtifact())
	for _, name := range digestedSections {
		_, off := sectionOffset(good, name)
		b := bytes.Clone(good)
		b[off] ^= 1
		_, err := Parse(b)
		require.ErrorIs(t, err, ErrCorrupt)
		require.EqualError(t, err, "artifact corrupted: "+name+" digest mismatch")
	}
	b := bytes.Clone(good)
	b[24] ^= 1 // e_entry, which no other check reads
	_, err := Parse(b)
	require.ErrorIs(t, err, ErrCorrupt)
	require.ErrorContains(t, err, "artifact corrupted: headers digest mismatch")

	// The digest table is checked too: a stored sum changed to match
	// changed code still fails, on the headers digest.
	_, doff := sectionOffset(good, secDigest)
	b = bytes.Clone(good)
	b[doff+8+4] ^= 1
	_, err = Parse(b)
	require.ErrorContains(t, err, "artifact corrupted: headers digest mismatch")
}

// TestDigestTableChecks covers tables that list what they may not.
func TestDigestTableChecks(t *testing.T) {
	good := mustMarshal(t, sampleArtifact())
	_, doff := sectionOffset(good, secDigest)
	for msg, f := range map[string]func(b []byte){
		"artifact: .wasiaot.digest: unknown digest algorithm 2":                      func(b []byte) { b[doff] = 2 },
		"artifact: .wasiaot.digest section is 220 bytes, 6 listed sections need 256": func(b []byte) { b[doff+4] = 6 },
		"artifact: .wasiaot.digest entry 1: section index 1 out of order or range (8 sections)": func(b []byte) {
			b[doff+8+36] = 1
		},
	} {
		b := bytes.Clone(good)
		f(b)
		_, err := Parse(sealed(b))
		require.EqualError(t, err, msg)
	}
}

// TestOldFormatNamed: a file of the previous format, which had no digest,
// is refused for its version.
func TestOldFormatNamed(t *testing.T) {
	a := sampleArtifact()
	meta := encodeMetadata(a)
	meta[8] = 1
	b := marshal(a, meta)
	// Rename .wasiaot.digest so that the reader does not find it.
	_, sh := sectionOffset(b, ".shstrtab")
	i := bytes.Index(b[sh:], []byte(secDigest))
	b[sh+uint64(i)+1] = 'X'
	_, err := Parse(b)
	require.EqualError(t, err, "artifact: format version 1, this runtime reads 2")
	require.ErrorIs(t, err, ErrVersion)
}

// TestDigestEmptySectionAtAnother: an empty listed section at the offset
// where another listed section starts is no overlap, and is no trouble.
func TestDigestEmptySectionAtAnother(t *testing.T) {
	good := mustMarshal(t, sampleArtifact())
	_, symOff := sectionOffset(good, ".symtab")
	strHdr, _ := sectionOffset(good, ".strtab")
	b := bytes.Clone(good)
	binary.LittleEndian.PutUint64(b[strHdr+24:], symOff) // sh_offset
	binary.LittleEndian.PutUint64(b[strHdr+32:], 0)      // sh_size
	a, err := Parse(sealed(b))
	require.NoError(t, err)
	_, err = ParseReaderAt(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	require.NotNil(t, a)
}
