package wasi_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasiaot/wasiaot/compiler"
	"github.com/wasiaot/wasiaot/runtime"
	"github.com/wasiaot/wasiaot/wasi"
)

// buildArtifact compiles wasm and writes the artifact to a temporary file,
// as `wasiaot build` would. A path ending in .so is taken as built.
func buildArtifact(b *testing.B, wasmPath string) string {
	b.Helper()
	if strings.HasSuffix(wasmPath, ".so") {
		return wasmPath
	}
	wasm, err := os.ReadFile(wasmPath)
	if err != nil {
		b.Fatal(err)
	}
	so, err := compiler.Compile(wasm, compiler.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(b.TempDir(), filepath.Base(wasmPath)+".so")
	if err := os.WriteFile(p, so, 0o644); err != nil {
		b.Fatal(err)
	}
	return p
}

// startToExit is one run of a prebuilt command artifact: WASI host, load,
// instantiate, _start, exit status. rt nil means a fresh Runtime per run;
// mod non-nil skips loading.
func startToExit(b *testing.B, rt *runtime.Runtime, mod *runtime.Module, path string) {
	host, err := wasi.New(wasi.Config{Args: []string{"hello"}, Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	defer host.Close()
	if rt == nil {
		rt = runtime.New(runtime.Config{})
		defer rt.Close()
	}
	if mod == nil {
		if mod, err = rt.LoadFile(path); err != nil {
			b.Fatal(err)
		}
		defer mod.Close()
	}
	ctx := context.Background()
	inst, err := mod.Instantiate(ctx, host.Imports())
	if err != nil {
		b.Fatal(err)
	}
	defer inst.Close()
	_, err = inst.ExportedFunction("_start").Call(ctx)
	var exit *wasi.ExitError
	if os.Getenv("WASIAOT_BENCH_HELLO") != "" {
		if err != nil && (!errors.As(err, &exit) || exit.Code != 0) {
			b.Fatalf("_start: %v", err)
		}
	} else if !errors.As(err, &exit) || exit.Code != 7 {
		b.Fatalf("_start: %v, want exit status 7", err)
	}
}

// BenchmarkHelloStart runs a C program that prints one line and exits, from
// its prebuilt artifact: with a fresh Runtime per run (what the bench's
// wasiaot engine does), with one Runtime, and with one loaded Module.
// $WASIAOT_BENCH_HELLO names another program (.wasm, or .so as built) that
// exits with status 0, for example bench/.cache/bin/micro-hello.wasm.
func BenchmarkHelloStart(b *testing.B) {
	src := os.Getenv("WASIAOT_BENCH_HELLO")
	if src == "" {
		src = "testdata/c/exitcode.wasm"
	}
	path := buildArtifact(b, src)
	b.Run("fresh-runtime", func(b *testing.B) {
		for b.Loop() {
			startToExit(b, nil, nil, path)
		}
	})
	b.Run("reused-runtime", func(b *testing.B) {
		rt := runtime.New(runtime.Config{})
		defer rt.Close()
		for b.Loop() {
			startToExit(b, rt, nil, path)
		}
	})
	b.Run("reused-module", func(b *testing.B) {
		rt := runtime.New(runtime.Config{})
		defer rt.Close()
		mod, err := rt.LoadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		defer mod.Close()
		for b.Loop() {
			startToExit(b, rt, mod, path)
		}
	})
}

// BenchmarkLoadLarge loads (and closes) a large artifact: the module in
// $WASIAOT_BENCH_WASM (.wasm, or .so as built; for example
// bench/.cache/bin/go-encoding-json.wasm), or else the Go program in
// testdata. "cold" reads, verifies and maps the file every time; "cached"
// finds the mapping of an earlier load.
func BenchmarkLoadLarge(b *testing.B) {
	src := os.Getenv("WASIAOT_BENCH_WASM")
	if src == "" {
		src = "testdata/go/fsprog.wasm"
	}
	path := buildArtifact(b, src)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	rt := runtime.New(runtime.Config{})
	defer rt.Close()
	for _, cold := range []bool{true, false} {
		name := "cached"
		if cold {
			name = "cold"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(st.Size())
			for b.Loop() {
				if cold {
					if err := runtime.FlushArtifactCache(); err != nil {
						b.Fatal(err)
					}
				}
				mod, err := rt.LoadFile(path)
				if err != nil {
					b.Fatal(err)
				}
				mod.Close()
			}
		})
	}
}
