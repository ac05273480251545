package artifact

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// sigContext separates artifact signatures from other uses of the same key.
const sigContext = "wasiaot artifact signature v2\x00"

// sigFieldOffset is where the 64 signature bytes sit in .wasiaot.sig, after
// the algorithm and the public key.
const sigFieldOffset = 4 + 32

// Sign sets a.Signature to an ed25519 signature by key over the artifact as
// Marshal writes it: over the SHA-256 of its digest table, which covers
// every byte of the file but the 64 signature bytes (the public key and the
// section headers included).
func Sign(a *Artifact, key ed25519.PrivateKey) error {
	if len(key) != ed25519.PrivateKeySize {
		return fmt.Errorf("artifact: signing key has %d bytes, want %d", len(key), ed25519.PrivateKeySize)
	}
	if err := validate(a, uint64(len(a.Text)), uint64(len(a.Rodata))); err != nil {
		return err
	}
	a.Signature = &Signature{}
	copy(a.Signature.PublicKey[:], key.Public().(ed25519.PublicKey))
	_, d := marshalSealed(a, encodeMetadata(a))
	copy(a.Signature.Sig[:], ed25519.Sign(key, signedMessage(d[:])))
	return nil
}

// SignBytes returns the artifact b signed by key, replacing any signature it
// had. b is checked first (digests included).
func SignBytes(b []byte, key ed25519.PrivateKey) ([]byte, error) {
	a, err := Parse(b)
	if err != nil {
		return nil, err
	}
	if err := Sign(a, key); err != nil {
		return nil, err
	}
	return Marshal(a)
}

func signedMessage(digest []byte) []byte { return append([]byte(sigContext), digest...) }

// VerifySignature parses b and checks that it carries a valid signature by
// pub.
func VerifySignature(b []byte, pub ed25519.PublicKey) error {
	a, err := ParseWith(b, Options{LazySites: true})
	if err != nil {
		return err
	}
	return a.SignedBy([]ed25519.PublicKey{pub})
}

// VerifySignatureReaderAt is VerifySignature for a file of the given size,
// read in pieces rather than held in memory.
func VerifySignatureReaderAt(r io.ReaderAt, size int64, pub ed25519.PublicKey) error {
	a, err := ParseReaderAtWith(r, size, Options{LazySites: true})
	if err != nil {
		return err
	}
	return a.SignedBy([]ed25519.PublicKey{pub})
}

// SignedBy checks that a, as a reader returned it, carries a valid signature
// by one of keys. The readers have checked the digests, so this is one
// ed25519 verification of Layout.Digest.
func (a *Artifact) SignedBy(keys []ed25519.PublicKey) error {
	s := a.Signature
	if s == nil {
		return errf(ErrSignature, "not signed, and a signature by a trusted key is required")
	}
	for _, k := range keys {
		if len(k) != ed25519.PublicKeySize {
			return fmt.Errorf("artifact: public key has %d bytes, want %d", len(k), ed25519.PublicKeySize)
		}
		if !bytes.Equal(s.PublicKey[:], k) {
			continue
		}
		if !ed25519.Verify(k, signedMessage(a.Layout.Digest[:]), s.Sig[:]) {
			return errf(ErrSignature, "signature by key %s does not match the contents", KeyID(k))
		}
		return nil
	}
	return errf(ErrSignature, "signed by key %s, which is not trusted", KeyID(s.PublicKey[:]))
}

// KeyID names a public key: the first 8 bytes of its SHA-256, in hex.
func KeyID(pub []byte) string {
	d := sha256.Sum256(pub)
	return hex.EncodeToString(d[:8])
}

// Keys are stored as PEM (PKCS #8 "PRIVATE KEY", PKIX "PUBLIC KEY", as
// written by `openssl genpkey -algorithm ed25519`) or as hex: a public key is
// 64 hex digits, a private key 64 (the seed) or 128 (seed and public key).

// MarshalPrivateKey encodes key as PKCS #8 PEM.
func MarshalPrivateKey(key ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("artifact: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// MarshalPublicKey encodes key as PKIX PEM.
func MarshalPublicKey(key ed25519.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return nil, fmt.Errorf("artifact: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

var errKeyFormat = errors.New("artifact: key is neither PEM nor hex")

// ParsePrivateKey decodes a private key in PEM or hex.
func ParsePrivateKey(b []byte) (ed25519.PrivateKey, error) {
	if blk, _ := pem.Decode(b); blk != nil {
		if blk.Type != "PRIVATE KEY" {
			return nil, fmt.Errorf("artifact: PEM block %q, want PRIVATE KEY", blk.Type)
		}
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("artifact: %w", err)
		}
		ek, ok := k.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("artifact: private key is %T, not ed25519", k)
		}
		return ek, nil
	}
	raw, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, errKeyFormat
	}
	switch len(raw) {
	case ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(raw), nil
	case ed25519.PrivateKeySize:
		k := ed25519.NewKeyFromSeed(raw[:ed25519.SeedSize])
		if !bytes.Equal(k, raw) {
			return nil, errors.New("artifact: hex private key: public half does not match the seed")
		}
		return k, nil
	}
	return nil, fmt.Errorf("artifact: hex private key has %d bytes, want %d or %d", len(raw), ed25519.SeedSize, ed25519.PrivateKeySize)
}

// ParsePublicKey decodes a public key in PEM or hex.
func ParsePublicKey(b []byte) (ed25519.PublicKey, error) {
	if blk, _ := pem.Decode(b); blk != nil {
		if blk.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("artifact: PEM block %q, want PUBLIC KEY", blk.Type)
		}
		k, err := x509.ParsePKIXPublicKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("artifact: %w", err)
		}
		ek, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("artifact: public key is %T, not ed25519", k)
		}
		return ek, nil
	}
	raw, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, errKeyFormat
	}
	if len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("artifact: hex public key has %d bytes, want %d", len(raw), ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(raw), nil
}

// ReadPrivateKeyFile reads a private key file (PEM or hex).
func ReadPrivateKeyFile(path string) (ed25519.PrivateKey, error) {
	b, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	return ParsePrivateKey(b)
}

// ReadPublicKeyFile reads a public key file (PEM or hex).
func ReadPublicKeyFile(path string) (ed25519.PublicKey, error) {
	b, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	return ParsePublicKey(b)
}

// maxKeyFile bounds a key file: a PEM ed25519 key is about 120 bytes.
const maxKeyFile = 64 << 10

func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxKeyFile {
		return nil, fmt.Errorf("artifact: key file %s is larger than %d bytes", path, maxKeyFile)
	}
	return b, nil
}

// WritePrivateKeyFile writes key as PEM, readable by the owner only.
func WritePrivateKeyFile(path string, key ed25519.PrivateKey) error {
	b, err := MarshalPrivateKey(key)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// WritePublicKeyFile writes key as PEM.
func WritePublicKeyFile(path string, key ed25519.PublicKey) error {
	b, err := MarshalPublicKey(key)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
