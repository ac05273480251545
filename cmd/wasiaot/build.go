package main

import (
	"crypto/ed25519"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/wasiaot/wasiaot/backend"
	"github.com/wasiaot/wasiaot/backend/regalloc"
	"github.com/wasiaot/wasiaot/compiler"
	"github.com/wasiaot/wasiaot/runtime/artifact"
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
  wasiaot build --sign-key key.pem app.wasm # sign it (see 'wasiaot keygen')
  wasiaot build --cpu x86-64-v3 app.wasm    # AVX2 and BMI2 code, for machines that have them

--cpu chooses the CPU features the code may use. The default, baseline, gives an artifact that
runs on every machine of its architecture; a higher level gives faster code that the runtime
refuses to load where the CPU lacks a feature it uses ('wasiaot inspect APP.so' lists them).
The amd64 levels:
`+compiler.CPUHelp("amd64")+`The arm64 levels:
`+compiler.CPUHelp("arm64")+`
On a terminal, a progress bar on standard error counts the functions compiled; nothing is drawn
when standard error is not a terminal.

While compiling, the Go runtime's memory is held to a soft limit of 1 GiB (more frequent garbage
collections as it nears it, never a failure); GOMEMLIMIT=... in the environment sets another.

The output is written to a temporary file in its directory, then renamed: it replaces only a
regular file (or one that a symbolic link you own leads to), never a device, FIFO or directory.
-o - writes to standard output.
`)
	out := fs.StringP("output", "o", "", "the artifact to write (default: the input with the extension .so; - for standard output)")
	signKey := fs.String("sign-key", "", "sign the artifact with this ed25519 private key (PEM PKCS #8 or hex)")
	maxIn := addMaxInputFlag(fs)
	target := fs.String("target", runtime.GOARCH, "the machine to compile for: "+strings.Join(backend.Names(), ", "))
	level := fs.IntP("opt", "O", 2, "optimisation level: 0 (none), 1 (cheap passes), 2 (all passes)")
	features := addFeaturesFlag(fs)
	cpu := addCPUFlag(fs)
	dumpFunc := fs.String("dump-ssa", "", "print the SSA of this function (name-section name or index) to stderr")
	dumpPass := fs.String("dump-pass", "", "with --dump-ssa: only after this pass (\"lower\", or a pass name); default: after every pass")
	verbose := fs.BoolP("verbose", "v", false, "print what was built: sizes and time")
	regAlloc := fs.String("regalloc", "greedy", "the register allocator: greedy (backtracking) or linear (linear scan)")
	stats := fs.Bool("stats", false, "print the spills, reloads and moves register allocation inserted, per function and in total")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the compilation to this file (for go tool pprof)")
	memProfile := fs.String("memprofile", "", "write a heap profile, taken when the compilation ends, to this file")
	fs.MarkHidden("cpuprofile")
	fs.MarkHidden("memprofile")
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
	var key ed25519.PrivateKey
	if *signKey != "" {
		if key, err = artifact.ReadPrivateKeyFile(*signKey); err != nil {
			return fmt.Errorf("--sign-key %s: %w", *signKey, err)
		}
	}
	src, err := readModule(in, f, int64(*maxIn))
	if err != nil {
		return err
	}
	alg, err := regalloc.ParseAlgorithm(*regAlloc)
	if err != nil {
		return usageError{"--regalloc: " + err.Error()}
	}
	cpuSet, err := parseCPU(*target, *cpu)
	if err != nil {
		return err
	}
	opts := compiler.Options{Features: f, OptLevel: *level, Target: *target, RegAlloc: alg, CPU: cpuSet}
	if *dumpFunc != "" {
		opts.DumpSSA = &compiler.DumpSSA{Func: *dumpFunc, Pass: *dumpPass, Write: func(fn uint32, pass, text string) {
			fmt.Fprintf(stderr, "; function %d after %s\n%s\n", fn, pass, text)
		}}
	}
	var finish func()
	opts.Progress, finish = compileProgress(stderr, filepath.Base(in))
	var allocStats []funcAllocStats
	if *stats {
		opts.AllocStats = func(fn uint32, name string, s regalloc.Stats) {
			allocStats = append(allocStats, funcAllocStats{fn, name, s})
		}
	}
	stopProfiles, err := startProfiles(*cpuProfile, *memProfile)
	if err != nil {
		return err
	}
	start := time.Now()
	restoreLimit := limitCompileMemory()
	so, err := compiler.Compile(src, opts)
	restoreLimit()
	finish()
	if perr := stopProfiles(); perr != nil && err == nil {
		err = perr
	}
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	elapsed := time.Since(start)
	if key != nil {
		if so, err = artifact.SignBytes(so, key); err != nil {
			return err
		}
	}
	if err := writeOutput(stdout, *out, so, 0o644); err != nil {
		return err
	}
	w := stdout
	if *out == "-" {
		w = stderr // stdout holds the artifact
	}
	if *stats {
		printAllocStats(w, allocStats)
	}
	if *verbose {
		fmt.Fprintf(w, "%s: %d bytes of wasm -> %s: %d bytes in %v (%.1f MB/s)\n", in, len(src), *out,
			len(so), elapsed.Round(time.Millisecond), float64(len(src))/1e6/elapsed.Seconds())
	}
	return nil
}

type funcAllocStats struct {
	fn   uint32
	name string
	s    regalloc.Stats
}

// printAllocStats lists the functions that got spills, reloads or moves,
// in index order, then the totals over every function.
func printAllocStats(w io.Writer, fs []funcAllocStats) {
	var total regalloc.Stats
	fmt.Fprintf(w, "%-8s %8s %8s %8s %8s  %s\n", "func", "spills", "reloads", "moves", "remats", "name")
	for _, f := range fs {
		s := f.s
		total.Spills += s.Spills
		total.Reloads += s.Reloads
		total.Moves += s.Moves
		total.Remats += s.Remats
		if s != (regalloc.Stats{}) {
			fmt.Fprintf(w, "%-8d %8d %8d %8d %8d  %s\n", f.fn, s.Spills, s.Reloads, s.Moves, s.Remats, f.name)
		}
	}
	fmt.Fprintf(w, "%-8s %8d %8d %8d %8d  (%d functions)\n", "total", total.Spills, total.Reloads, total.Moves, total.Remats, len(fs))
}

// startProfiles starts a CPU profile into cpuPath (if not empty); the
// function it returns stops it and writes a heap profile of everything
// allocated so far into memPath (if not empty).
func startProfiles(cpuPath, memPath string) (stop func() error, err error) {
	var cpu *os.File
	if cpuPath != "" {
		if cpu, err = os.Create(cpuPath); err != nil {
			return nil, err
		}
		if err := pprof.StartCPUProfile(cpu); err != nil {
			cpu.Close()
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
	}
	return func() error {
		if cpu != nil {
			pprof.StopCPUProfile()
			if err := cpu.Close(); err != nil {
				return err
			}
		}
		if memPath == "" {
			return nil
		}
		f, err := os.Create(memPath)
		if err != nil {
			return err
		}
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			f.Close()
			return fmt.Errorf("--memprofile: %w", err)
		}
		return f.Close()
	}, nil
}
