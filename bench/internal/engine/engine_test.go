package engine

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRegistry(t *testing.T) {
	names := Names()
	require.GreaterOrEqual(t, len(names), 5)
	assert.Equal(t, "native", names[0], "native is the first column")
	for _, want := range []string{"wasiaot", "wazero", "wazero-interp", "wasmtime", "node", "wasm-interp"} {
		assert.Contains(t, names, want)
	}
	_, err := New("nonesuch")
	require.ErrorContains(t, err, "unknown engine")
	assert.Panics(t, func() { Register("native", 0, newNative) })
}

func TestSlow(t *testing.T) {
	assert.True(t, IsSlow(wazeroEngine{interp: true}))
	assert.False(t, IsSlow(wazeroEngine{}))
	assert.False(t, IsSlow(native{}))
}

func helloProgram(t *testing.T) Program {
	wasm, err := filepath.Abs("testdata/hello.wasm")
	require.NoError(t, err)
	return Program{Name: "hello", Wasm: wasm}
}

// TestEnginesRunHello runs the hello module on each wasm engine available
// here and checks stdout and the phase timings.
func TestEnginesRunHello(t *testing.T) {
	for _, name := range []string{"wasiaot", "wazero", "wazero-interp", "wasmtime", "node", "wasm2c"} {
		t.Run(name, func(t *testing.T) {
			e, err := New(name)
			require.NoError(t, err)
			for i := range 2 {
				out := filepath.Join(t.TempDir(), "stdout")
				s, err := e.Run(context.Background(), helloProgram(t), Invocation{StdoutPath: out})
				require.NoError(t, err)
				got, err := os.ReadFile(out)
				require.NoError(t, err)
				assert.Equal(t, "hello, world\n", string(got))
				assert.Equal(t, 0, s.ExitCode)
				assert.Positive(t, s.Run)
				switch name {
				case "wasm2c":
					// Compiled once, on the first run.
					assert.Equal(t, i == 0, s.Compile > 0, "run %d", i)
					assert.False(t, s.Split)
				case "wasiaot":
					// Compiled once; every run loads and instantiates.
					assert.Equal(t, i == 0, s.Compile > 0, "run %d", i)
					assert.True(t, s.Split)
					assert.Positive(t, s.Instantiate)
				default:
					assert.True(t, s.Split)
					assert.Positive(t, s.Compile)
				}
			}
			if c, ok := e.(Compiler); ok {
				d, err := c.CompileOnly(context.Background(), helloProgram(t).Wasm)
				require.NoError(t, err)
				assert.Positive(t, d)
			}
			assert.NotEmpty(t, e.Version())
			require.NoError(t, Close(e))
		})
	}
}

func TestWasmEnginesReportBadModules(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.wasm")
	require.NoError(t, os.WriteFile(bad, []byte("\x00asm\x01\x00\x00\x00\x05\xff"), 0o644))
	for _, name := range []string{"wasiaot", "wazero", "wasmtime", "node"} {
		e, err := New(name)
		require.NoError(t, err)
		t.Cleanup(func() { Close(e) })
		_, err = e.Run(context.Background(), Program{Wasm: bad}, Invocation{StdoutPath: filepath.Join(t.TempDir(), "o")})
		assert.Error(t, err, name)
	}
}

func TestNativeExitCodeAndTimeout(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "prog")
	require.NoError(t, os.WriteFile(script, []byte("#!/bin/sh\nif [ \"$1\" = sleep ]; then sleep 5; fi\necho \"$GREETING\"\nexit 7\n"), 0o755))
	out := filepath.Join(dir, "out")

	s, err := RunNative(context.Background(), Program{Native: script}, Invocation{StdoutPath: out}, []string{"GREETING=hi"})
	require.NoError(t, err)
	assert.Equal(t, 7, s.ExitCode)
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "hi\n", string(got))

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = RunNative(ctx, Program{Native: script}, Invocation{Args: []string{"sleep"}, StdoutPath: out}, nil)
	require.ErrorIs(t, err, ErrTimeout)
	assert.Less(t, time.Since(start), 4*time.Second)

	_, err = RunNative(context.Background(), Program{}, Invocation{StdoutPath: out}, nil)
	require.Error(t, err)
}

func TestTimeCap(t *testing.T) {
	// (loop (br 0)) in _start: never returns unless interrupted.
	spin := filepath.Join(t.TempDir(), "spin.wasm")
	require.NoError(t, os.WriteFile(spin, []byte{
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
		0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type () -> ()
		0x03, 0x02, 0x01, 0x00, // func 0: type 0
		0x05, 0x03, 0x01, 0x00, 0x01, // memory 0: min 1 page (node:wasi wants one)
		0x07, 0x13, 0x02, 0x06, '_', 's', 't', 'a', 'r', 't', 0x00, 0x00,
		0x06, 'm', 'e', 'm', 'o', 'r', 'y', 0x02, 0x00,
		0x0a, 0x09, 0x01, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b,
	}, 0o644))
	for _, name := range []string{"wasiaot", "wasmtime", "wazero-interp", "node"} {
		t.Run(name, func(t *testing.T) {
			e, err := New(name)
			require.NoError(t, err)
			t.Cleanup(func() { Close(e) })
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			_, err = e.Run(ctx, Program{Wasm: spin}, Invocation{StdoutPath: filepath.Join(t.TempDir(), "o")})
			require.ErrorIs(t, err, ErrTimeout)
		})
	}
}

func TestWasm2cRejectsHugeModules(t *testing.T) {
	e, err := New("wasm2c")
	require.NoError(t, err)
	t.Cleanup(func() { Close(e) })
	big := filepath.Join(t.TempDir(), "big.wasm")
	require.NoError(t, os.WriteFile(big, make([]byte, maxWasm2cModule+1), 0o644))
	_, err = e.Run(context.Background(), Program{Wasm: big}, Invocation{StdoutPath: filepath.Join(t.TempDir(), "o")})
	require.ErrorIs(t, err, ErrUnsupported)
}

func TestWasiaotExitCode(t *testing.T) {
	// _start calls proc_exit(3).
	prog := filepath.Join(t.TempDir(), "exit.wasm")
	require.NoError(t, os.WriteFile(prog, []byte{
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
		0x01, 0x08, 0x02, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x00, 0x00, // types: (i32) -> (), () -> ()
		0x02, 0x24, 0x01, 0x16, 'w', 'a', 's', 'i', '_', 's', 'n', 'a', 'p', 's', 'h', 'o', 't', '_',
		'p', 'r', 'e', 'v', 'i', 'e', 'w', '1', 0x09, 'p', 'r', 'o', 'c', '_', 'e', 'x', 'i', 't', 0x00, 0x00,
		0x03, 0x02, 0x01, 0x01, // func 1: type 1
		0x05, 0x03, 0x01, 0x00, 0x01,
		0x07, 0x13, 0x02, 0x06, '_', 's', 't', 'a', 'r', 't', 0x00, 0x01,
		0x06, 'm', 'e', 'm', 'o', 'r', 'y', 0x02, 0x00,
		0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x03, 0x10, 0x00, 0x0b,
	}, 0o644))
	e, err := New("wasiaot")
	require.NoError(t, err)
	t.Cleanup(func() { Close(e) })
	s, err := e.Run(context.Background(), Program{Wasm: prog}, Invocation{StdoutPath: filepath.Join(t.TempDir(), "o")})
	require.NoError(t, err)
	assert.Equal(t, 3, s.ExitCode)
}
