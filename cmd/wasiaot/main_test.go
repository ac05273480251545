package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// addModule is (module (func (export "add") (param i32 i32) (result i32)
// local.get 0 local.get 1 i32.add) (memory 1 2)), encoded by hand.
var addModule = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, // type section
	0x03, 0x02, 0x01, 0x00, // function section
	0x05, 0x04, 0x01, 0x01, 0x01, 0x02, // memory section: min 1 max 2
	0x07, 0x07, 0x01, 0x03, 'a', 'd', 'd', 0x00, 0x00, // export section
	0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b, // code section
}

// badModule is addModule with i32.add replaced by f32.add: a type mismatch in function 0.
var badModule = func() []byte {
	b := append([]byte(nil), addModule...)
	b[len(b)-2] = 0x92
	return b
}()

func run(t *testing.T, args ...string) (status int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	status = mainWithStatus(&out, &errb, args)
	return status, out.String(), errb.String()
}

func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, b, 0o644))
	return p
}

func TestValidate(t *testing.T) {
	good := writeFile(t, "add.wasm", addModule)
	bad := writeFile(t, "bad.wasm", badModule)

	status, out, _ := run(t, "validate", good)
	assert.Equal(t, 0, status)
	assert.Equal(t, good+": valid\n", out)

	status, _, errOut := run(t, "validate", bad)
	assert.Equal(t, 1, status)
	assert.Contains(t, errOut, bad+": code section, function 0, offset 0x")
	assert.Contains(t, errOut, "type mismatch")

	status, _, errOut = run(t, "validate", good, bad)
	assert.Equal(t, 1, status)
	assert.Contains(t, errOut, "1 of 2 modules are invalid")

	trunc := writeFile(t, "trunc.wasm", addModule[:20])
	status, _, errOut = run(t, "validate", trunc)
	assert.Equal(t, 1, status)
	assert.Contains(t, errOut, "unexpected end")

	status, _, errOut = run(t, "validate", filepath.Join(t.TempDir(), "missing.wasm"))
	assert.Equal(t, 1, status)
	assert.Contains(t, errOut, "no such file")
}

func TestValidateText(t *testing.T) {
	good := writeFile(t, "add.wat", []byte(`(module (func (export "add") (param i32 i32) (result i32)
  local.get 0 local.get 1 i32.add))`))
	status, out, _ := run(t, "validate", good)
	assert.Equal(t, 0, status)
	assert.Equal(t, good+": valid\n", out)

	bad := writeFile(t, "bad.wat", []byte("(module (func i32.frobnicate))"))
	status, _, errOut := run(t, "validate", bad)
	assert.Equal(t, 1, status)
	assert.Contains(t, errOut, bad+": text format: 1:15: unknown operator")

	invalid := writeFile(t, "invalid.wat", []byte("(module (func (result i32) f32.const 1))"))
	status, _, errOut = run(t, "validate", invalid)
	assert.Equal(t, 1, status)
	assert.Contains(t, errOut, "type mismatch")
}

func TestUsageErrors(t *testing.T) {
	status, _, errOut := run(t, "validate")
	assert.Equal(t, 2, status)
	assert.Contains(t, errOut, "no input")

	status, _, errOut = run(t, "validate", "--features", "v3", "x.wasm")
	assert.Equal(t, 2, status)
	assert.Contains(t, errOut, `unknown feature "v3"`)

	status, _, errOut = run(t, "frobnicate")
	assert.Equal(t, 2, status)
	assert.Contains(t, errOut, `unknown command "frobnicate"`)

	status, _, errOut = run(t, "inspect", "--no-such-flag", "x.wasm")
	assert.Equal(t, 2, status)
	assert.Contains(t, errOut, "no-such-flag")
}

func TestHelp(t *testing.T) {
	status, out, _ := run(t, "--help")
	assert.Equal(t, 0, status)
	for _, c := range commands {
		assert.Contains(t, out, c.name)
	}
	for _, c := range commands {
		status, out, _ := run(t, c.name, "--help")
		assert.Equal(t, 0, status, c.name)
		assert.Contains(t, out, "Usage: wasiaot "+c.name, c.name)
	}
}

func TestInspect(t *testing.T) {
	good := writeFile(t, "add.wasm", addModule)
	status, out, _ := run(t, "inspect", good)
	require.Equal(t, 0, status)
	assert.Contains(t, out, `func   "add" = func 0 [i32 i32] -> [i32]`)
	assert.Contains(t, out, "functions: 1 defined, 0 imported, 6 bytes of code")
	assert.Contains(t, out, "memory 0: min 1, max 2 pages")
	assert.Contains(t, out, "features used: none beyond WebAssembly 1.0")

	status, out, _ = run(t, "inspect", "--json", good)
	require.Equal(t, 0, status)
	var s moduleSummary
	require.NoError(t, json.Unmarshal([]byte(out), &s))
	assert.True(t, s.Valid)
	assert.Equal(t, 1, s.Funcs.Defined)
	assert.Equal(t, []string{"min 1, max 2 pages"}, s.Memories)

	bad := writeFile(t, "bad.wasm", badModule)
	status, out, errOut := run(t, "inspect", bad)
	assert.Equal(t, 1, status)
	assert.Contains(t, out, "INVALID: ")
	assert.Contains(t, errOut, "type mismatch")
}

func TestVersion(t *testing.T) {
	status, out, _ := run(t, "version")
	assert.Equal(t, 0, status)
	assert.Regexp(t, `^wasiaot \S+ \(go1\.\d+`, out)
}
