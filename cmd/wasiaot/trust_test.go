package main

import (
	"bytes"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/runtime/artifact"
)

func TestKeygenSignVerify(t *testing.T) {
	dir := t.TempDir()
	key, key2 := filepath.Join(dir, "key"), filepath.Join(dir, "other")
	status, out, errOut := run(t, "keygen", key)
	require.Equal(t, 0, status, errOut)
	assert.Contains(t, out, "wrote "+key+" and "+key+".pub (key id ")
	st, err := os.Stat(key)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	status, _, errOut = run(t, "keygen", key)
	assert.Equal(t, 1, status)
	assert.Contains(t, errOut, "file exists")
	require.Equal(t, 0, first(run(t, "keygen", key2)))

	src := writeFile(t, "arith.wat", []byte(arithWat))
	signed, unsigned := filepath.Join(dir, "signed.so"), filepath.Join(dir, "unsigned.so")
	status, _, errOut = run(t, "build", "--sign-key", key, src, "-o", signed)
	require.Equal(t, 0, status, errOut)
	require.Equal(t, 0, first(run(t, "build", src, "-o", unsigned)))

	status, out, errOut = run(t, "run", "--verify-key", key2+".pub", "--verify-key", key+".pub", "--invoke", "add", signed, "2", "3")
	assert.Equal(t, 0, status, errOut)
	assert.Equal(t, "5\n", out)
	status, _, errOut = run(t, "run", "--verify-key", key2+".pub", "--invoke", "add", signed, "2", "3")
	assert.Equal(t, 1, status)
	assert.Contains(t, errOut, signed+": artifact: signed by key ")
	assert.Contains(t, errOut, ", which is not trusted")
	status, _, errOut = run(t, "run", "--verify-key", key+".pub", "--invoke", "add", unsigned, "2", "3")
	assert.Equal(t, 1, status)
	assert.Contains(t, errOut, unsigned+": artifact: not signed, and a signature by a trusted key is required")
	// A module compiled here needs no signature.
	status, out, errOut = run(t, "run", "--verify-key", key+".pub", "--invoke", "add", src, "2", "3")
	assert.Equal(t, 0, status, errOut)
	assert.Equal(t, "5\n", out)

	// sign replaces the file; --trust-dir takes every key in a directory.
	require.Equal(t, 0, first(run(t, "sign", key2, unsigned)))
	trust := filepath.Join(dir, "trusted")
	require.NoError(t, os.Mkdir(trust, 0o755))
	pub2, err := os.ReadFile(key2 + ".pub")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(trust, "other.pub"), pub2, 0o644))
	status, out, errOut = run(t, "run", "--trust-dir", trust, "--invoke", "add", unsigned, "1", "1")
	assert.Equal(t, 0, status, errOut)
	assert.Equal(t, "2\n", out)
	status, _, errOut = run(t, "run", "--trust-dir", trust, "--invoke", "add", signed, "1", "1")
	assert.Equal(t, 1, status)
	assert.Contains(t, errOut, "which is not trusted")

	// A damaged artifact is not signed again.
	b, err := os.ReadFile(signed)
	require.NoError(t, err)
	b[len(b)/2] ^= 1
	require.NoError(t, os.WriteFile(signed, b, 0o644))
	status, _, errOut = run(t, "sign", key, signed)
	assert.Equal(t, 1, status)
	assert.Contains(t, errOut, "artifact corrupted: ")
}

func first(status int, _, _ string) int { return status }

// TestBuildOutputSafety: -o replaces regular files only, through a rename.
func TestBuildOutputSafety(t *testing.T) {
	dir := t.TempDir()
	src := writeFile(t, "arith.wat", []byte(arithWat))

	status, so, errOut := run(t, "build", src, "-o", "-")
	require.Equal(t, 0, status, errOut)
	_, err := artifact.Parse([]byte(so))
	require.NoError(t, err)

	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	for path, want := range map[string]string{
		"/dev/null": "/dev/null is a character device: refusing to replace it",
		fifo:        fifo + " is a FIFO: refusing to replace it",
		dir:         dir + " is a directory: refusing to replace it",
	} {
		status, _, errOut := run(t, "build", src, "-o", path)
		assert.Equal(t, 1, status, path)
		assert.Contains(t, errOut, want)
	}
	st, err := os.Stat("/dev/null")
	require.NoError(t, err)
	assert.NotZero(t, st.Mode()&os.ModeCharDevice)

	// Through a symbolic link to a file of ours: the file is replaced,
	// the link stays.
	target := filepath.Join(dir, "target.so")
	require.NoError(t, os.WriteFile(target, []byte("old"), 0o644))
	link := filepath.Join(dir, "link.so")
	require.NoError(t, os.Symlink(target, link))
	require.Equal(t, 0, first(run(t, "build", src, "-o", link)))
	b, err := os.ReadFile(target)
	require.NoError(t, err)
	assert.Equal(t, so, string(b))
	lst, err := os.Lstat(link)
	require.NoError(t, err)
	assert.NotZero(t, lst.Mode()&os.ModeSymlink)

	// A link to a missing file, and one to a file of another user.
	dangling := filepath.Join(dir, "dangling.so")
	require.NoError(t, os.Symlink(filepath.Join(dir, "nowhere", "x.so"), dangling))
	status, _, errOut = run(t, "build", src, "-o", dangling)
	assert.Equal(t, 1, status)
	assert.Contains(t, errOut, "is a symbolic link that does not lead to a file")
	if os.Geteuid() == 0 {
		require.NoError(t, os.Chown(target, 12345, 12345))
		status, _, errOut = run(t, "build", src, "-o", link)
		assert.Equal(t, 1, status)
		assert.Contains(t, errOut, "which belongs to another user: refusing to replace it")
	}
	leftovers, err := filepath.Glob(filepath.Join(dir, ".*tmp*"))
	require.NoError(t, err)
	assert.Empty(t, leftovers)
}

// TestInputLimits: /dev/zero, an endless pipe, an empty file and a file
// over --max-input are clear errors.
func TestInputLimits(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.so")
	status, _, errOut := run(t, "build", "/dev/zero", "-o", out)
	assert.Equal(t, 1, status)
	assert.Contains(t, errOut, "/dev/zero: not a WebAssembly module: no \\0asm magic, and not text")
	key := filepath.Join(dir, "key")
	require.Equal(t, 0, first(run(t, "keygen", key)))
	for _, args := range [][]string{{"objdump", "/dev/zero"}, {"sign", key, "/dev/zero"}, {"sign", "/dev/zero", "x.so"}, {"inspect", "/dev/zero"}, {"run", "/dev/zero"}} {
		status, _, errOut = run(t, args...)
		assert.Equal(t, 1, status, args)
		assert.Contains(t, errOut, "/dev/zero: ", args)
	}

	empty := writeFile(t, "empty.wasm", nil)
	for _, cmd := range []string{"build", "validate", "run"} {
		status, _, errOut = run(t, cmd, empty)
		assert.Equal(t, 1, status, cmd)
		assert.Contains(t, errOut, empty+": empty file: not a WebAssembly module", cmd)
	}

	big := writeFile(t, "big.wat", []byte(arithWat+strings.Repeat(" ", 8192)))
	status, _, errOut = run(t, "build", "--max-input", "4K", big, "-o", out)
	assert.Equal(t, 1, status)
	assert.Contains(t, errOut, "exceeds the input limit of 4096 bytes (--max-input)")

	// A pipe of text that never ends.
	fifo := filepath.Join(dir, "endless.wat")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	done := make(chan struct{})
	go func() {
		defer close(done)
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer w.Close()
		chunk := bytes.Repeat([]byte(";; "), 1000)
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}()
	status, _, errOut = run(t, "build", "--max-input", "64K", fifo, "-o", out)
	assert.Equal(t, 1, status)
	assert.Contains(t, errOut, fifo+": more than the input limit of 65536 bytes (--max-input)")
	<-done

	status, _, errOut = run(t, "run", "--max-input", "1K", buildArith(t))
	assert.Equal(t, 1, status)
	assert.Contains(t, errOut, "exceeds the limit of 1024 bytes")
}

func TestVersionFlag(t *testing.T) {
	status, out, _ := run(t, "--version")
	assert.Equal(t, 0, status)
	assert.True(t, strings.HasPrefix(out, "wasiaot "), out)
	_, out2, _ := run(t, "version")
	assert.Equal(t, out2, out)
}

// TestExportNamesWithoutNameSection: a module without a name section gets
// its functions' export names in the symbol table, objdump and traps.
func TestExportNamesWithoutNameSection(t *testing.T) {
	src := writeFile(t, "div.wat", []byte(`(module (func (param i32) (result i32) local.get 0)
  (func (export "div") (export "quotient") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s))`))
	so := filepath.Join(t.TempDir(), "div.so")
	require.Equal(t, 0, first(run(t, "build", src, "-o", so)))
	f, err := elf.Open(so)
	require.NoError(t, err)
	defer f.Close()
	syms, err := f.Symbols()
	require.NoError(t, err)
	var names []string
	for _, s := range syms {
		names = append(names, s.Name)
	}
	assert.Contains(t, names, "div")
	assert.Contains(t, names, "wasm_func_0")
	assert.NotContains(t, names, "quotient")

	status, out, _ := run(t, "objdump", so)
	assert.Equal(t, 0, status)
	assert.Contains(t, out, "<div> (wasm function 1,")
	status, _, errOut := run(t, "run", "--invoke", "div", so, "1", "0")
	assert.Equal(t, trapExitStatus, status)
	assert.Contains(t, errOut, `integer divide by zero (in function 1 "div" at wasm offset`)
}

func TestInspectArtifact(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "key")
	require.Equal(t, 0, first(run(t, "keygen", key)))
	src := writeFile(t, "arith.wat", []byte(arithWat))
	so := filepath.Join(dir, "arith.so")
	require.Equal(t, 0, first(run(t, "build", "--sign-key", key, src, "-o", so)))
	b, err := os.ReadFile(so)
	require.NoError(t, err)
	a, err := artifact.Parse(b)
	require.NoError(t, err)

	status, out, errOut := run(t, "inspect", so)
	require.Equal(t, 0, status, errOut)
	for _, want := range []string{
		so + ": wasiaot artifact, format version 2, ",
		"target:        amd64, CPU features ",
		"compiler:      " + a.Header.CompilerVersion + ", ABI version ",
		"source wasm:   sha256 " + hex.EncodeToString(a.Header.SourceSHA256[:]),
		"digest:        " + hex.EncodeToString(a.Layout.Digest[:]) + " (verified",
		"signature:     ed25519 by key " + artifact.KeyID(a.Signature.PublicKey[:]),
		"), valid\n",
		"functions:     0 imported, 4 defined, ",
		"exports (4):\n  add  func 0\n",
		"memories:      min 1 pages, no max",
	} {
		assert.Contains(t, out, want)
	}

	status, out, errOut = run(t, "inspect", "--json", so)
	require.Equal(t, 0, status, errOut)
	var s artifactSummary
	require.NoError(t, json.Unmarshal([]byte(out), &s))
	assert.Equal(t, "amd64", s.Target)
	assert.True(t, s.Signature.Valid)
	assert.Equal(t, 4, s.Funcs.Defined)

	b[len(b)/3] ^= 1
	bad := writeFile(t, "bad.so", b)
	status, _, errOut = run(t, "inspect", bad)
	assert.Equal(t, 1, status)
	assert.Contains(t, errOut, bad+": artifact corrupted: ")
}
