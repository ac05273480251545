package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/wasiaot/wasiaot/runtime/artifact"
)

func runKeygen(stdout, _ io.Writer, args []string) error {
	fs := newFlagSet(stdout, "keygen", `Usage: wasiaot keygen KEY

Make an ed25519 key pair for signing artifacts: KEY gets the private key (PEM, PKCS #8
"PRIVATE KEY", readable by you only) and KEY.pub the public key (PEM, PKIX "PUBLIC KEY"), the
formats of 'openssl genpkey -algorithm ed25519' and 'openssl pkey -pubout'. Existing files are
never overwritten. Sign with 'wasiaot build --sign-key KEY' or 'wasiaot sign KEY APP.so'; run with
'wasiaot run --verify-key KEY.pub APP.so'.
`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"give the name of the private key file to write"}
	}
	path := fs.Arg(0)
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	priv, err := artifact.MarshalPrivateKey(key)
	if err != nil {
		return err
	}
	pubPEM, err := artifact.MarshalPublicKey(pub)
	if err != nil {
		return err
	}
	if err := writeNew(path, priv, 0o600); err != nil {
		return err
	}
	if err := writeNew(path+".pub", pubPEM, 0o644); err != nil {
		os.Remove(path)
		return err
	}
	fmt.Fprintf(stdout, "wrote %s and %s (key id %s)\n", path, path+".pub", artifact.KeyID(pub))
	return nil
}

// writeNew creates path, which must not exist yet.
func writeNew(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

func runSign(stdout, _ io.Writer, args []string) error {
	fs := newFlagSet(stdout, "sign", `Usage: wasiaot sign [flags] KEY APP.so

Sign the artifact APP.so with the private key KEY (from 'wasiaot keygen', or PEM PKCS #8 ed25519,
or hex), replacing any signature it had. The artifact is checked first; the signed file replaces
it at once (a temporary file renamed over it), never half written.
`)
	out := fs.StringP("output", "o", "", "write the signed artifact here instead of replacing APP.so (- for standard output)")
	maxIn := addMaxInputFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usageError{"give a private key and an artifact"}
	}
	key, err := artifact.ReadPrivateKeyFile(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	in := fs.Arg(1)
	b, err := readInput(in, int64(*maxIn), sniffArtifact)
	if err != nil {
		return err
	}
	signed, err := artifact.SignBytes(b, key)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	if *out == "" {
		*out = in
	}
	return writeOutput(stdout, *out, signed, 0o644)
}

// trustedKeys reads the public keys of --verify-key files and of every
// file in the --trust-dir directories (hidden files aside).
func trustedKeys(files, dirs []string) ([]ed25519.PublicKey, error) {
	for _, d := range dirs {
		entries, err := os.ReadDir(d)
		if err != nil {
			return nil, fmt.Errorf("--trust-dir: %w", err)
		}
		n := 0
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") || e.Type()&fs.ModeType&^fs.ModeSymlink != 0 {
				continue
			}
			files = append(files, filepath.Join(d, e.Name()))
			n++
		}
		if n == 0 {
			return nil, fmt.Errorf("--trust-dir %s holds no key", d)
		}
	}
	var keys []ed25519.PublicKey
	for _, f := range files {
		k, err := artifact.ReadPublicKeyFile(f)
		if err != nil {
			return nil, fmt.Errorf("public key %s: %w", f, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}
