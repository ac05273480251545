package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const arithWat = `(module
  (memory 1)
  (func $add (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func $div (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func $fmax (export "fmax") (param f64 f64) (result f64) local.get 0 local.get 1 f64.max)
  (func $load (export "load") (param i32) (result i32) local.get 0 i32.load offset=4))`

func buildArith(t *testing.T) string {
	t.Helper()
	src := writeFile(t, "arith.wat", []byte(arithWat))
	so := filepath.Join(t.TempDir(), "arith.so")
	status, _, errOut := run(t, "build", src, "-o", so)
	require.Equal(t, 0, status, errOut)
	return so
}

func TestBuildAndInvoke(t *testing.T) {
	so := buildArith(t)
	b, err := os.ReadFile(so)
	require.NoError(t, err)
	assert.Equal(t, "\x7fELF", string(b[:4]))

	status, out, errOut := run(t, "run", "--invoke", "add", so, "2", "40")
	assert.Equal(t, 0, status, errOut)
	assert.Equal(t, "42\n", out)

	status, out, _ = run(t, "run", "--invoke", "add", so, "-1", "0x10")
	assert.Equal(t, 0, status)
	assert.Equal(t, "15\n", out)

	status, out, _ = run(t, "run", "--invoke", "fmax", so, "-0", "0")
	assert.Equal(t, 0, status)
	assert.Equal(t, "0\n", out)

	// A module runs directly too, compiled in memory.
	wat := writeFile(t, "arith.wat", []byte(arithWat))
	status, out, _ = run(t, "run", "--invoke", "add", wat, "1", "2")
	assert.Equal(t, 0, status)
	assert.Equal(t, "3\n", out)
}

func TestRunTraps(t *testing.T) {
	so := buildArith(t)
	status, _, errOut := run(t, "run", "--invoke", "div", so, "1", "0")
	assert.Equal(t, trapExitStatus, status)
	assert.Contains(t, errOut, `wasm trap: integer divide by zero (in function 1 "div" at wasm offset 0x`)

	status, _, errOut = run(t, "run", "--invoke", "div", so, "-2147483648", "-1")
	assert.Equal(t, trapExitStatus, status)
	assert.Contains(t, errOut, "integer overflow")

	// The last valid i32 of one page is at 65532; offset=4 moves the access one past it.
	status, out, _ := run(t, "run", "--invoke", "load", so, "65528")
	assert.Equal(t, 0, status)
	assert.Equal(t, "0\n", out)
	status, _, errOut = run(t, "run", "--invoke", "load", so, "65529")
	assert.Equal(t, trapExitStatus, status)
	assert.Contains(t, errOut, `out of bounds memory access (in function 3 "load"`)

	status, _, errOut = run(t, "run", "--invoke", "add", so, "1")
	assert.Equal(t, 2, status)
	assert.Contains(t, errOut, "takes 2 arguments, got 1")
	status, _, errOut = run(t, "run", "--invoke", "nope", so)
	assert.Equal(t, 1, status)
	assert.Contains(t, errOut, `no exported function "nope"`)
}

func TestRunWASI(t *testing.T) {
	prog := filepath.Join("..", "..", "wasi", "testdata", "c", "argsenv.wasm")
	so := filepath.Join(t.TempDir(), "argsenv.so")
	status, _, errOut := run(t, "build", prog, "-o", so)
	require.Equal(t, 0, status, errOut)
	status, out, errOut := run(t, "run", "--env", "GREETING=hello=world", "--env", "EMPTY=", so, "--", "one", "with space", "")
	assert.Equal(t, 0, status, errOut)
	assert.Contains(t, out, "arg 0: argsenv.so\narg 1: one\narg 2: with space\n")
	assert.NotContains(t, out, "FAIL")

	exit := filepath.Join("..", "..", "wasi", "testdata", "c", "exitcode.wasm")
	status, out, _ = run(t, "run", exit, "42")
	assert.Equal(t, 42, status)
	assert.Equal(t, "exiting with 42\n", out)
	status, _, _ = run(t, "run", exit)
	assert.Equal(t, 7, status)
}

func TestRunSandbox(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello world\n"), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	prog := filepath.Join("..", "..", "wasi", "testdata", "c", "files.wasm")
	status, out, errOut := run(t, "run", "--dir", dir+"::/sandbox", prog)
	assert.Equal(t, 0, status, out+errOut)
	assert.NotContains(t, out, "FAIL")

	// Without the preopen the program sees nothing.
	status, out, _ = run(t, "run", prog)
	assert.NotEqual(t, 0, status)
	assert.Contains(t, out, "FAIL c/files.c:11: fd >= 0")

	// Read-only: the same program's writes are refused.
	status, out, _ = run(t, "run", "--dir-ro", dir+"::/sandbox", prog)
	assert.NotEqual(t, 0, status)
	assert.Contains(t, out, "FAIL")
	got, err := os.ReadFile(filepath.Join(dir, "hello.txt"))
	require.NoError(t, err)
	assert.Equal(t, "hello world\n", string(got))
}

func TestRunBadArtifact(t *testing.T) {
	status, _, errOut := run(t, "run", writeFile(t, "bad.so", []byte("garbage")))
	assert.Equal(t, 1, status)
	assert.Contains(t, errOut, "artifact")
	so := buildArith(t)
	b, err := os.ReadFile(so)
	require.NoError(t, err)
	status, _, errOut = run(t, "run", "--invoke", "add", writeFile(t, "trunc.so", b[:len(b)/2]), "1", "2")
	assert.Equal(t, 1, status)
	assert.Contains(t, errOut, "truncated")
}

func TestObjdump(t *testing.T) {
	so := buildArith(t)
	status, out, errOut := run(t, "objdump", so)
	require.Equal(t, 0, status, errOut)
	assert.Contains(t, out, "wasiaot artifact, compiler ")
	assert.Contains(t, out, "<add> (wasm function 0,")
	assert.Regexp(t, `add\s+eax, esi|lea\s+eax, ptr \[rdi\+rsi`, out)
	assert.Contains(t, out, "; trap: integer divide by zero (wasm offset 0x")
	assert.Contains(t, out, "; may trap: out of bounds memory access (wasm offset 0x")

	status, out, _ = run(t, "objdump", "--func", "load", "--header=false", so)
	assert.Equal(t, 0, status)
	assert.True(t, strings.HasPrefix(out, "000000"), out)
	assert.NotContains(t, out, "<add>")

	status, _, errOut = run(t, "objdump", writeFile(t, "x.so", []byte("not an elf")))
	assert.Equal(t, 1, status)
	assert.Contains(t, errOut, "artifact")

	if _, err := exec.LookPath("nm"); err == nil {
		nm, err := exec.Command("nm", so).CombinedOutput()
		require.NoError(t, err, string(nm))
		assert.Contains(t, string(nm), " T add\n")
		assert.Contains(t, string(nm), " T load\n")
	}
}

func TestBuildErrors(t *testing.T) {
	status, _, errOut := run(t, "build", "-O3", writeFile(t, "a.wat", []byte("(module)")))
	assert.Equal(t, 2, status)
	assert.Contains(t, errOut, "-O3")
	status, _, errOut = run(t, "build", "--target", "riscv64", writeFile(t, "b.wat", []byte("(module)")))
	assert.Equal(t, 1, status)
	assert.Contains(t, errOut, "not supported")
	simd := writeFile(t, "simd.wat", []byte(`(module (func (result v128) v128.const i32x4 1 2 3 4))`))
	status, _, errOut = run(t, "build", "--target", "amd64", simd, "-o", filepath.Join(t.TempDir(), "simd.so"))
	assert.Equal(t, 0, status, errOut)
	status, _, errOut = run(t, "build", "--target", "arm64", simd, "-o", filepath.Join(t.TempDir(), "simd-arm64.so"))
	assert.Equal(t, 0, status, errOut)
}

// TestExitStatusRange: proc_exit codes 0..125 pass through; larger ones are outside the range
// WASI gives proc_exit and become a failure, never a success (256 used to exit 0).
func TestExitStatusRange(t *testing.T) {
	exit := filepath.Join("..", "..", "wasi", "testdata", "c", "exitcode.wasm")
	for _, tc := range []struct {
		code   string
		status int
	}{{"0", 0}, {"125", 125}, {"126", 1}, {"255", 1}, {"256", 1}, {"-1", 1}} {
		status, _, errOut := run(t, "run", exit, tc.code)
		assert.Equal(t, tc.status, status, "exit(%s): %s", tc.code, errOut)
		if tc.status == 1 {
			assert.Contains(t, errOut, "exit status outside the range 0..125 that WASI allows")
		}
	}
}

// TestEnvInherit: --env K passes wasiaot's own K, as Wasmtime does; an unset K is left out.
func TestEnvInherit(t *testing.T) {
	prog := filepath.Join("..", "..", "wasi", "testdata", "c", "argsenv.wasm")
	t.Setenv("GREETING", "hello=world")
	t.Setenv("EMPTY", "")
	os.Unsetenv("MISSING")
	status, out, errOut := run(t, "run", "--env", "GREETING", "--env", "EMPTY", "--env", "MISSING", prog, "one", "with space", "")
	assert.Equal(t, 0, status, out+errOut)
	assert.NotContains(t, out, "FAIL")

	// Given values win over inherited ones, and K= sets an empty value.
	env, err := guestEnv([]string{"GREETING=hi", "EMPTY"}, true)
	require.NoError(t, err)
	assert.Contains(t, env, "GREETING=hi")
	assert.NotContains(t, env, "GREETING=hello=world")
	assert.Contains(t, env, "EMPTY=")

	status, _, errOut = run(t, "run", "--env", "=x", prog)
	assert.Equal(t, 2, status)
	assert.Contains(t, errOut, "want K=V or K")
}

// growWat has a memory of 2 pages; grow tries to add n pages and returns memory.grow's result.
const growWat = `(module
  (memory (export "memory") 2)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`

// TestMaxMemory: --max-memory caps memory.grow (which returns -1 beyond the cap) and refuses a
// module whose minimum is above it; bad sizes are usage errors.
func TestMaxMemory(t *testing.T) {
	prog := writeFile(t, "grow.wat", []byte(growWat))
	status, out, errOut := run(t, "run", "--max-memory", "4pages", "--invoke", "grow", prog, "2")
	assert.Equal(t, 0, status, errOut)
	assert.Equal(t, "2\n", out)
	status, out, _ = run(t, "run", "--max-memory", "256KiB", "--invoke", "grow", prog, "3")
	assert.Equal(t, 0, status)
	assert.Equal(t, "-1\n", out)
	status, out, _ = run(t, "run", "--invoke", "grow", prog, "3")
	assert.Equal(t, 0, status)
	assert.Equal(t, "2\n", out, "without the cap the same growth succeeds")

	status, _, errOut = run(t, "run", "--max-memory", "64KiB", "--invoke", "grow", prog, "0")
	assert.Equal(t, 1, status)
	assert.Contains(t, errOut, "memory of 2 pages exceeds the limit of 1 pages")

	for _, bad := range []string{"0", "1KiB", "-5MiB", "12XB", "5GiB", "lots"} {
		status, _, errOut = run(t, "run", "--max-memory", bad, "--invoke", "grow", prog, "0")
		assert.Equal(t, 2, status, bad)
		assert.Contains(t, errOut, "--max-memory", bad)
	}
	for s, pages := range map[string]uint32{"64MiB": 1024, "1GiB": 16384, "4GiB": 65536, "100pages": 100, "1page": 1, "1000000B": 15, "1MB": 15, "131072": 2} {
		got, err := parseMemorySize(s)
		assert.NoError(t, err, s)
		assert.Equal(t, pages, got, s)
	}
}

// TestTimeoutFlag: a negative time limit is a usage error.
func TestTimeoutFlag(t *testing.T) {
	prog := writeFile(t, "grow.wat", []byte(growWat))
	status, _, errOut := run(t, "run", "--timeout", "-1s", "--invoke", "grow", prog, "0")
	assert.Equal(t, 2, status)
	assert.Contains(t, errOut, "cannot be negative")
}

// TestFuncrefResults: --invoke prints a funcref result as the index of its function, or null.
func TestFuncrefResults(t *testing.T) {
	prog := writeFile(t, "refs.wat", []byte(`(module
  (func $a) (func $b)
  (elem declare func $b)
  (func (export "ref") (result funcref) (ref.func $b))
  (func (export "null") (result funcref) (ref.null func))
  (func (export "extnull") (result externref) (ref.null extern)))`))
	status, out, errOut := run(t, "run", "--invoke", "ref", prog)
	assert.Equal(t, 0, status, errOut)
	assert.Equal(t, "funcref:1\n", out)
	status, out, _ = run(t, "run", "--invoke", "null", prog)
	assert.Equal(t, 0, status)
	assert.Equal(t, "null\n", out)
	status, out, _ = run(t, "run", "--invoke", "extnull", prog)
	assert.Equal(t, 0, status)
	assert.Equal(t, "null\n", out)
}

// TestTrapBacktrace: a trap prints a wasm backtrace, every frame innermost first, with function
// names where the module has them and wasm offsets.
func TestTrapBacktrace(t *testing.T) {
	prog := writeFile(t, "bt.wat", []byte(`(module
  (func $leaf (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
  (func $mid (param i32) (result i32) (i32.add (call $leaf (local.get 0)) (i32.const 1)))
  (func (export "run") (param i32) (result i32) (call $mid (local.get 0))))`))
	status, _, errOut := run(t, "run", "--invoke", "run", prog, "0")
	assert.Equal(t, trapExitStatus, status)
	assert.Regexp(t, `wasm trap: integer divide by zero \(in function 0 "leaf" at wasm offset 0x[0-9a-f]+\)
wasm backtrace:
     0: function 0 "leaf" at wasm offset 0x[0-9a-f]+
     1: function 1 "mid" at wasm offset 0x[0-9a-f]+
     2: function 2( "run")? at wasm offset 0x[0-9a-f]+
$`, errOut)
}

// TestBuildStats lists the copies register allocation inserted: a function
// keeping more values alive across a call than there are registers spills
// (its reads of spilled values are memory operands here, no reloads); a
// function without values needs nothing and is not listed.
func TestBuildStats(t *testing.T) {
	var b strings.Builder
	b.WriteString("(module (func $g) (func $leaf (param i32) (result i32) local.get 0)\n(func $pressure (param i32) (result i32)")
	const n = 24
	for i := range n {
		fmt.Fprintf(&b, " (local $l%d i32)", i)
	}
	for i := range n {
		fmt.Fprintf(&b, " local.get 0 i32.const %d i32.mul local.set $l%d", i+3, i)
	}
	b.WriteString(" call $g local.get 0")
	for i := range n {
		fmt.Fprintf(&b, " local.get $l%d i32.add", i)
	}
	b.WriteString("))")
	src := writeFile(t, "p.wat", []byte(b.String()))
	status, out, errOut := run(t, "build", "--stats", src, "-o", filepath.Join(t.TempDir(), "p.so"))
	require.Equal(t, 0, status, errOut)
	var fn, total [3]int // spills, reloads, moves
	found := false
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 6 && f[5] == "pressure":
			found = true
			_, err := fmt.Sscan(strings.Join(f[1:4], " "), &fn[0], &fn[1], &fn[2])
			require.NoError(t, err)
		case len(f) >= 4 && f[0] == "total":
			_, err := fmt.Sscan(strings.Join(f[1:4], " "), &total[0], &total[1], &total[2])
			require.NoError(t, err)
			require.Contains(t, line, "(3 functions)")
		}
		require.False(t, len(f) == 6 && f[5] == "g", out)
	}
	require.True(t, found, out)
	require.Positive(t, fn[0], out)
	require.Equal(t, fn[0], total[0], out) // the other functions spill nothing
	require.GreaterOrEqual(t, total[2], fn[2], out)
}

// An artifact cross-compiled for arm64 disassembles as AArch64, with names, trap sites and a
// br_table's jump table shown as data words.
func TestObjdumpARM64(t *testing.T) {
	// A dense br_table of 12 targets becomes a jump table.
	sw := `(block (br_table 0 1 2 3 4 5 6 7 8 9 10 11 (local.get 0)))`
	for i := 0; i < 12; i++ {
		sw = fmt.Sprintf("(block %s (return (i32.const %d)))", sw, i)
	}
	src := writeFile(t, "arith.wat", []byte(arithWat[:len(arithWat)-1]+`
  (func $sw (export "sw") (param i32) (result i32) `+sw+` (i32.const 99)))`))
	so := filepath.Join(t.TempDir(), "arith-arm64.so")
	status, _, errOut := run(t, "build", "--target", "arm64", src, "-o", so)
	require.Equal(t, 0, status, errOut)

	status, out, errOut := run(t, "objdump", so)
	require.Equal(t, 0, status, errOut)
	assert.Contains(t, out, "wasiaot artifact, compiler ")
	assert.Contains(t, out, ", arm64, ")
	assert.Contains(t, out, "<add> (wasm function 0,")
	assert.Regexp(t, `\tadd w0, w0, w1\n`, out)
	assert.Regexp(t, `\tsdiv w0, w0, w1\n`, out)
	assert.Regexp(t, `\tfmax d0, d0, d1\n`, out)
	assert.Regexp(t, `br x17\t; trap: integer divide by zero \(wasm offset 0x`, out)
	assert.Regexp(t, `ldr w0, \[x\d+,#4\]\t; may trap: out of bounds memory access \(wasm offset 0x`, out)
	assert.Regexp(t, `b\.\w+ \.\+0x[0-9a-f]+\t// 0x[0-9a-f]+ <div\+0x[0-9a-f]+>`, out)
	assert.Contains(t, out, "\t.word 0x")
	assert.NotContains(t, out, "(bad)")
	assert.NotContains(t, out, "rsp") // no x86 decoding
}
