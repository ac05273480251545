// Command wazerocode compiles a wasm module with wazero's optimizing
// compiler for the machine it runs on and prints the size of the machine
// code it produced, as JSON:
//
//	{"module":"x.wasm","arch":"arm64","functions":123,"code_bytes":456789}
//
// wazero compiles only for its host, so crosscheck runs a GOARCH=arm64
// build of this program under qemu to learn wazero's arm64 code size.
//
// The size is read from the compilation cache entry wazero writes (see
// wazero's internal/engine/wazevo/engine_cache.go): after a header of the
// magic "WAZEVO", a version string and the function count, come one u64
// offset per function and the u64 length of the module's executable, which
// holds every function body, each starting at a 16-byte boundary. The entry
// preambles and the engine's shared helper functions live elsewhere and are
// not counted.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/tetratelabs/wazero"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "wazerocode:", err)
		os.Exit(1)
	}
}

// Result is what the command prints.
type Result struct {
	Module    string `json:"module"`
	Arch      string `json:"arch"`
	Functions int    `json:"functions"`
	CodeBytes int64  `json:"code_bytes"`
}

func run() error {
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: wazerocode MODULE.wasm")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	path := flag.Arg(0)
	bin, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	nfuncs, size, err := measure(context.Background(), bin)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return json.NewEncoder(os.Stdout).Encode(Result{Module: path, Arch: runtime.GOARCH, Functions: nfuncs, CodeBytes: size})
}

// measure compiles the module with a compilation cache in a fresh
// directory and reads the function count and code size from the entry.
func measure(ctx context.Context, bin []byte) (nfuncs int, size int64, err error) {
	dir, err := os.MkdirTemp("", "wazerocode-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(dir)
	cache, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		return 0, 0, err
	}
	defer cache.Close(ctx)
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().WithCompilationCache(cache))
	defer r.Close(ctx)
	compiled, err := r.CompileModule(ctx, bin)
	if err != nil {
		return 0, 0, fmt.Errorf("compile: %w", err)
	}
	compiled.Close(ctx)

	entry, err := cacheEntry(dir)
	if err != nil {
		return 0, 0, err
	}
	b, err := os.ReadFile(entry)
	if err != nil {
		return 0, 0, err
	}
	nfuncs, size, err = parseHeader(b)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", entry, err)
	}
	return nfuncs, size, nil
}

// cacheEntry returns the one file wazero wrote under dir.
func cacheEntry(dir string) (string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	if len(files) != 1 {
		return "", fmt.Errorf("compilation cache %s: want one entry, found %d", dir, len(files))
	}
	return files[0], nil
}
