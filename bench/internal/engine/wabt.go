package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

func init() { Register("wasm-interp", 60, newWasmInterp) }

// wasmInterp runs modules on wabt's reference interpreter. It decodes and
// runs in one process, so only the wall time is known.
type wasmInterp struct{ bin, version string }

func newWasmInterp() (Engine, error) {
	bin, err := exec.LookPath("wasm-interp")
	if err != nil {
		return nil, fmt.Errorf("wasm-interp not found (Debian package wabt): %w", err)
	}
	if err := probeWasmInterp(bin); err != nil {
		return nil, err
	}
	return &wasmInterp{bin: bin, version: "wabt wasm-interp " + commandVersion(bin, "--version")}, nil
}

// probeWasmInterp runs an empty module with --wasi: builds of wabt without
// uvwasi (Debian's 1.0.32 is one) accept the flag but refuse to run.
func probeWasmInterp(bin string) error {
	f, err := os.CreateTemp("", "probe-*.wasm")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = f.Write([]byte("\x00asm\x01\x00\x00\x00"))
	f.Close()
	if err != nil {
		return err
	}
	out, _ := exec.Command(bin, "--wasi", f.Name()).CombinedOutput()
	if strings.Contains(string(out), "wasi support not compiled in") {
		return errors.New("this wasm-interp build has no WASI support (wasi support not compiled in)")
	}
	return nil
}

func (w *wasmInterp) Name() string    { return "wasm-interp" }
func (w *wasmInterp) Version() string { return w.version }
func (w *wasmInterp) Native() bool    { return false }
func (w *wasmInterp) Slow() bool      { return true }

func (w *wasmInterp) Run(ctx context.Context, p Program, inv Invocation) (Sample, error) {
	if p.Wasm == "" {
		return Sample{}, errors.New("no wasm build")
	}
	argv := append([]string{w.bin, "--wasi", p.Wasm}, inv.Args...)
	wall, code, err := runProcess(ctx, argv, inv, nil)
	return Sample{Run: wall, ExitCode: code}, err
}
