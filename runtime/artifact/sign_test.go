package artifact

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func testKey(seed byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
}

func TestSignature(t *testing.T) {
	key, other := testKey(1), testKey(2)
	pub := key.Public().(ed25519.PublicKey)

	a := sampleArtifact()
	require.NoError(t, Sign(a, key))
	b := mustMarshal(t, a)
	require.NoError(t, VerifySignature(b, pub))
	require.NoError(t, VerifySignatureReaderAt(bytes.NewReader(b), int64(len(b)), pub))

	// Signing is deterministic and the signed artifact round-trips.
	a2 := sampleArtifact()
	require.NoError(t, Sign(a2, key))
	require.Equal(t, b, mustMarshal(t, a2))
	got, err := Parse(b)
	require.NoError(t, err)
	require.Equal(t, comparable(a), comparable(got))
	require.NotZero(t, got.Layout.SignatureOffset)

	require.EqualError(t, VerifySignature(b, other.Public().(ed25519.PublicKey)),
		"artifact: signed by key "+KeyID(pub)+", which is not trusted")
	require.NoError(t, got.SignedBy([]ed25519.PublicKey{other.Public().(ed25519.PublicKey), pub}))

	// A changed byte is caught by the digests before the signature.
	textOff := got.Layout.TextOffset
	tampered := bytes.Clone(b)
	tampered[textOff+1] ^= 1
	require.EqualError(t, VerifySignature(tampered, pub), "artifact corrupted: .text digest mismatch")
	require.EqualError(t, VerifySignatureReaderAt(bytes.NewReader(tampered), int64(len(tampered)), pub),
		"artifact corrupted: .text digest mismatch")

	// Digests made anew over changed code do not carry the signature over.
	forged := sampleArtifact()
	forged.Text[1] ^= 1
	forged.Signature = a.Signature
	require.EqualError(t, VerifySignature(mustMarshal(t, forged), pub), "artifact: signature by key "+KeyID(pub)+" does not match the contents")

	// Re-signing with another key and claiming the trusted key fails too.
	resigned := sampleArtifact()
	require.NoError(t, Sign(resigned, other))
	copy(resigned.Signature.PublicKey[:], pub)
	require.EqualError(t, VerifySignature(mustMarshal(t, resigned), pub), "artifact: signature by key "+KeyID(pub)+" does not match the contents")

	// SignBytes signs a file as it is, and replaces a signature.
	unsignedFile := mustMarshal(t, sampleArtifact())
	sb, err := SignBytes(unsignedFile, key)
	require.NoError(t, err)
	require.Equal(t, b, sb)
	sb2, err := SignBytes(sb, other)
	require.NoError(t, err)
	require.NoError(t, VerifySignature(sb2, other.Public().(ed25519.PublicKey)))

	unsigned := mustMarshal(t, sampleArtifact())
	require.EqualError(t, VerifySignature(unsigned, pub), "artifact: not signed, and a signature by a trusted key is required")
	require.ErrorIs(t, VerifySignature(unsigned, pub), ErrSignature)

	// A damaged file is reported as such, before any signature check.
	require.ErrorIs(t, VerifySignature(b[:len(b)/2], pub), ErrTruncated)
}

func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	key := testKey(7)
	pub := key.Public().(ed25519.PublicKey)

	require.NoError(t, WritePrivateKeyFile(filepath.Join(dir, "k.pem"), key))
	require.NoError(t, WritePublicKeyFile(filepath.Join(dir, "k.pub.pem"), pub))
	st, err := os.Stat(filepath.Join(dir, "k.pem"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	k2, err := ReadPrivateKeyFile(filepath.Join(dir, "k.pem"))
	require.NoError(t, err)
	require.Equal(t, key, k2)
	p2, err := ReadPublicKeyFile(filepath.Join(dir, "k.pub.pem"))
	require.NoError(t, err)
	require.Equal(t, pub, p2)

	// Hex: seed, full private key, public key; whitespace is ignored.
	k3, err := ParsePrivateKey([]byte(hex.EncodeToString(key.Seed()) + "\n"))
	require.NoError(t, err)
	require.Equal(t, key, k3)
	k4, err := ParsePrivateKey([]byte(hex.EncodeToString(key)))
	require.NoError(t, err)
	require.Equal(t, key, k4)
	p3, err := ParsePublicKey([]byte(" " + hex.EncodeToString(pub) + "\n"))
	require.NoError(t, err)
	require.Equal(t, pub, p3)

	bad := bytes.Clone(key)
	bad[40] ^= 1
	_, err = ParsePrivateKey([]byte(hex.EncodeToString(bad)))
	require.EqualError(t, err, "artifact: hex private key: public half does not match the seed")
	_, err = ParsePublicKey([]byte("abcd"))
	require.EqualError(t, err, "artifact: hex public key has 2 bytes, want 32")
	_, err = ParsePublicKey([]byte("not a key"))
	require.EqualError(t, err, "artifact: key is neither PEM nor hex")
	privPEM, err := MarshalPrivateKey(key)
	require.NoError(t, err)
	_, err = ParsePublicKey(privPEM)
	require.EqualError(t, err, `artifact: PEM block "PRIVATE KEY", want PUBLIC KEY`)

	// A key file that never ends is refused, not read to exhaustion.
	_, err = ReadPrivateKeyFile("/dev/zero")
	require.EqualError(t, err, "artifact: key file /dev/zero is larger than 65536 bytes")
}

// TestOpenSSLKeys reads keys made by openssl, the documented way to make
// them outside wasiaot.
func TestOpenSSLKeys(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skipf("openssl not installed: %v", err)
	}
	dir := t.TempDir()
	priv, pubf := filepath.Join(dir, "k.pem"), filepath.Join(dir, "k.pub")
	out, err := exec.Command("openssl", "genpkey", "-algorithm", "ed25519", "-out", priv).CombinedOutput()
	require.NoError(t, err, string(out))
	out, err = exec.Command("openssl", "pkey", "-in", priv, "-pubout", "-out", pubf).CombinedOutput()
	require.NoError(t, err, string(out))

	key, err := ReadPrivateKeyFile(priv)
	require.NoError(t, err)
	pub, err := ReadPublicKeyFile(pubf)
	require.NoError(t, err)
	require.Equal(t, key.Public(), pub)

	a := sampleArtifact()
	require.NoError(t, Sign(a, key))
	require.NoError(t, VerifySignature(mustMarshal(t, a), pub))
}
