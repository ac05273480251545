package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wasiaot/wasiaot/compiler"
)

func runBuild(stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet(stdout, "build", `Usage: wasiaot build [flags] APP.wasm|APP.wat [-o APP.so]

Compile a WebAssembly module ahead of time to native code. The output is an ELF shared object
(readelf, objdump, nm and perf understand it) holding the machine code, one symbol per wasm
function, and the metadata the runtime verifies before it runs anything. Load it with
'wasiaot run APP.so' or the runtime package. The same input and flags always give the same bytes.

Examples:
  wasiaot build app.wasm                    # writes app.so
  wasiaot build -O1 app.wasm -o /srv/app.so
  wasiaot build --dump-ssa main app.wasm    # print the SSA of function "main" after every pass
`)
	out := fs.StringP("output", "o", "", "the artifact to write (default: the input with the extension .so)")
	target := fs.String("target", "amd64", "the machine to compile for: amd64 (arm64 is not supported yet)")
	level := fs.IntP("opt", "O", 2, "optimisation level: 0 (none), 1 (cheap passes), 2 (all passes)")
	features := addFeaturesFlag(fs)
	dumpFunc := fs.String("dump-ssa", "", "print the SSA of this function (name-section name or index) to stderr")
	dumpPass := fs.String("dump-pass", "", "with --dump-ssa: only after this pass (\"lower\", or a pass name); default: after every pass")
	verbose := fs.BoolP("verbose", "v", false, "print what was built: sizes and time")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"give exactly one input module"}
	}
	if *level < 0 || *level > 2 {
		return usageError{fmt.Sprintf("-O%d: the levels are 0, 1 and 2", *level)}
	}
	f, err := parseFeatures(*features)
	if err != nil {
		return err
	}
	in := fs.Arg(0)
	if *out == "" {
		*out = strings.TrimSuffix(in, filepath.Ext(in)) + ".so"
	}
	if *out == in {
		return usageError{"the output would overwrite the input; choose another name with -o"}
	}
	src, err := readModule(in, f)
	if err != nil {
		return err
	}
	opts := compiler.Options{Features: f, OptLevel: *level, Target: *target}
	if *dumpFunc != "" {
		opts.DumpSSA = &compiler.DumpSSA{Func: *dumpFunc, Pass: *dumpPass, Write: func(fn uint32, pass, text string) {
			fmt.Fprintf(stderr, "; function %d after %s\n%s\n", fn, pass, text)
		}}
	}
	start := time.Now()
	so, err := compiler.Compile(src, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	elapsed := time.Since(start)
	if err := writeFileAtomic(*out, so, 0o644); err != nil {
		return err
	}
	if *verbose {
		fmt.Fprintf(stdout, "%s: %d bytes of wasm -> %s: %d bytes in %v (%.1f MB/s)\n", in, len(src), *out,
			len(so), elapsed.Round(time.Millisecond), float64(len(src))/1e6/elapsed.Seconds())
	}
	return nil
}

// writeFileAtomic writes through a temporary file in the same directory and renames it, so a
// reader (an edge node loading artifacts) never sees a half-written file.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
