package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/wasiaot/wasiaot/bench/workloads"
)

func init() { Register("wasm2c", 35, newWasm2c) }

// maxWasm2cModule bounds the modules wasm2c is asked to translate: gcc -O2
// on the C of a Go test binary takes longer than the whole benchmark.
const maxWasm2cModule = 4 << 20

// wasm2cEngine translates the module to C with wabt's wasm2c and compiles
// it with gcc -O2 together with a small WASI host (workloads/wasm2c): an
// ahead-of-time path through a C compiler. Compilation happens once per
// module per process; its time is reported on the first sample only.
type wasm2cEngine struct {
	wasm2c, cc, rtDir, version string

	exes buildCache // wasm path → executable
}

func newWasm2c() (Engine, error) {
	w2c, err := exec.LookPath("wasm2c")
	if err != nil {
		return nil, fmt.Errorf("wasm2c not found (Debian package wabt): %w", err)
	}
	cc, err := exec.LookPath("gcc")
	if err != nil {
		return nil, fmt.Errorf("gcc not found: %w", err)
	}
	var rtDir string
	for _, d := range []string{"/usr/share/wabt/wasm2c", "/usr/src/wasm2c"} {
		if _, err := os.Stat(filepath.Join(d, "wasm-rt-impl.c")); err == nil {
			rtDir = d
			break
		}
	}
	if rtDir == "" {
		return nil, errors.New("wasm-rt-impl.c not found (Debian package wabt)")
	}
	return &wasm2cEngine{wasm2c: w2c, cc: cc, rtDir: rtDir, exes: buildCache{prefix: "bench-wasm2c-"},
		version: "wabt wasm2c " + commandVersion(w2c, "--version") + " + gcc -O2"}, nil
}

func (e *wasm2cEngine) Name() string    { return "wasm2c" }
func (e *wasm2cEngine) Version() string { return e.version }
func (e *wasm2cEngine) Native() bool    { return false }

func (e *wasm2cEngine) Run(ctx context.Context, p Program, inv Invocation) (Sample, error) {
	var s Sample
	exe, compile, err := e.build(p.Wasm)
	if err != nil {
		return s, err
	}
	s.Compile = compile
	wall, code, err := runProcess(ctx, append([]string{exe}, inv.Args...), inv, nil)
	s.Run, s.ExitCode = wall, code
	return s, err
}

// Close removes the compiled executables.
func (e *wasm2cEngine) Close() error { return e.exes.Close() }

// build returns the executable for wasm, compiling it on first use.
func (e *wasm2cEngine) build(wasm string) (string, time.Duration, error) {
	return e.exes.get(wasm, func(dir string) (string, time.Duration, error) {
		st, err := os.Stat(wasm)
		if err != nil {
			return "", 0, err
		}
		if st.Size() > maxWasm2cModule {
			return "", 0, fmt.Errorf("%w: %d MiB module (limit %d MiB: gcc -O2 on its C takes too long)",
				ErrUnsupported, st.Size()>>20, maxWasm2cModule>>20)
		}
		host := filepath.Join(dir, "wasi_host.c")
		if err := os.WriteFile(host, workloads.WASIHost, 0o644); err != nil {
			return "", 0, err
		}
		exe := filepath.Join(dir, "prog")
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		start := time.Now()
		steps := [][]string{
			{e.wasm2c, "-n", "prog", wasm, "-o", filepath.Join(dir, "prog.c")},
			{e.cc, "-O2", "-w", "-I", dir, "-I", e.rtDir, "-o", exe,
				filepath.Join(dir, "prog.c"), host, filepath.Join(e.rtDir, "wasm-rt-impl.c"), "-lm"},
		}
		for _, argv := range steps {
			if out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput(); err != nil {
				return "", 0, fmt.Errorf("%s: %v: %s", filepath.Base(argv[0]), err, tail(string(out), 300))
			}
		}
		return exe, time.Since(start), nil
	})
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
