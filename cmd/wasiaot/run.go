package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/wasiaot/wasiaot/compiler"
	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/runtime"
	"github.com/wasiaot/wasiaot/wasi"
)

// exitError carries a guest's exit status (proc_exit) or the status for a trap out of run.
type exitError struct {
	code int
	msg  string // printed to stderr if not empty
}

func (e *exitError) Error() string { return e.msg }

// trapExitStatus is the status of a run that trapped: 128+SIGABRT, as Wasmtime uses, so a trap is
// told apart from a program that exits with 1.
const trapExitStatus = 134

func runRun(stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet(stdout, "run", `Usage: wasiaot run [flags] APP.so|APP.wasm|APP.wat [--] [ARGS...]

Run a WebAssembly program. APP.so is an artifact from 'wasiaot build'; a .wasm or .wat module is
compiled in memory first. Without --invoke, the program's WASI entry point _start runs with ARGS
as its arguments, and its exit status (proc_exit) becomes wasiaot's. A trap prints its kind, the
wasm function and byte offset, and exits with status 134.

The sandbox: the program sees no file, directory, socket or environment variable unless given
one. --dir HOST::GUEST lets it use the host directory HOST under the name GUEST (default: the
same path), and nothing outside it: paths resolve beneath the directory, so "..", absolute paths
and symlinks cannot escape. --dir-ro does the same read-only. Standard input, output and error
are inherited.

Examples:
  wasiaot run app.so -- --flag value
  wasiaot run --dir ./data::/data --env LANG=C app.so
  wasiaot run --invoke add add.wasm 1 2      # call an exported function, print its results
`)
	invoke := fs.String("invoke", "", "call this exported function with ARGS as its parameters and print its results, instead of running _start")
	dirs := fs.StringArray("dir", nil, "preopen HOST[::GUEST] read-write (repeatable)")
	dirsRO := fs.StringArray("dir-ro", nil, "preopen HOST[::GUEST] read-only (repeatable)")
	envs := fs.StringArray("env", nil, "set the environment variable K=V for the program (repeatable)")
	inheritEnv := fs.Bool("inherit-env", false, "pass wasiaot's own environment to the program (--env entries win)")
	listens := fs.StringArray("tcplisten", nil, "listen on ADDR (host:port) and hand the socket to the program as a preopened fd (repeatable)")
	timeout := fs.Duration("timeout", 0, "stop the program after this long (e.g. 10s); 0 means no limit")
	verifyKeys := fs.StringArray("verify-key", nil, "run an artifact only if signed by this ed25519 public key file (repeatable)")
	trustDirs := fs.StringArray("trust-dir", nil, "like --verify-key for every key file in this directory (repeatable)")
	maxIn := addMaxInputFlag(fs)
	perfMap := fs.Bool("perf-map", false, "list the program's functions in /tmp/perf-PID.map, for perf to name them")
	features := addFeaturesFlag(fs)
	fs.SetInterspersed(false) // everything after APP belongs to the program
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{"no program: give an artifact (.so) or a module (.wasm, .wat)"}
	}
	f, err := parseFeatures(*features)
	if err != nil {
		return err
	}
	path, progArgs := fs.Arg(0), fs.Args()[1:]
	if len(progArgs) > 0 && progArgs[0] == "--" {
		progArgs = progArgs[1:]
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, *timeout, fmt.Errorf("time limit of %v reached", *timeout))
		defer cancel()
	}

	keys, err := trustedKeys(*verifyKeys, *trustDirs)
	if err != nil {
		return err
	}
	rt, mod, err := loadProgram(runtime.Config{TrustedKeys: keys, MaxArtifactSize: int64(*maxIn), PerfMap: *perfMap}, path, f)
	if err != nil {
		return err
	}
	defer rt.Close()
	defer mod.Close()

	cfg := wasi.Config{
		Args:   append([]string{filepath.Base(path)}, progArgs...),
		Stdin:  os.Stdin,
		Stdout: stdout,
		Stderr: stderr,
	}
	if *invoke != "" {
		cfg.Args = []string{filepath.Base(path)}
	}
	set := map[string]bool{}
	for _, kv := range *envs {
		k, _, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return usageError{fmt.Sprintf("--env %q: want K=V", kv)}
		}
		set[k] = true
	}
	if *inheritEnv {
		for _, kv := range os.Environ() {
			if k, _, _ := strings.Cut(kv, "="); !set[k] {
				cfg.Env = append(cfg.Env, kv)
			}
		}
	}
	cfg.Env = append(cfg.Env, *envs...)
	for _, spec := range *dirs {
		cfg.Preopens = append(cfg.Preopens, preopen(spec, false))
	}
	for _, spec := range *dirsRO {
		cfg.Preopens = append(cfg.Preopens, preopen(spec, true))
	}
	for _, addr := range *listens {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("--tcplisten %s: %w", addr, err)
		}
		defer l.Close()
		cfg.Listeners = append(cfg.Listeners, l)
	}
	host, err := wasi.New(cfg)
	if err != nil {
		return err
	}
	defer host.Close()

	inst, err := mod.Instantiate(ctx, host.Imports())
	if err != nil {
		return runFailure(path, err)
	}
	defer inst.Close()

	if *invoke != "" {
		return invokeExport(ctx, stdout, inst, *invoke, progArgs, path)
	}
	start := inst.ExportedFunction("_start")
	if start == nil {
		return fmt.Errorf("%s: exports no _start function (a WASI command); use --invoke NAME to call an export", path)
	}
	if _, err := start.Call(ctx); err != nil {
		return runFailure(path, err)
	}
	return nil
}

// preopen parses HOST[::GUEST].
func preopen(spec string, readOnly bool) wasi.Preopen {
	host, guest, ok := strings.Cut(spec, "::")
	if !ok {
		guest = host
	}
	return wasi.Preopen{HostPath: host, GuestPath: guest, ReadOnly: readOnly}
}

// loadProgram loads an artifact from its file, held to cfg.TrustedKeys, or compiles a module in
// memory: code compiled here needs no signature.
func loadProgram(cfg runtime.Config, path string, f wasm.Features) (*runtime.Runtime, *runtime.Module, error) {
	head := make([]byte, 4)
	file, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	_, err = io.ReadFull(file, head)
	file.Close()
	// Anything named .so is an artifact, so a damaged one gets the artifact reader's precise error.
	if (err == nil && bytes.Equal(head, []byte("\x7fELF"))) || filepath.Ext(path) == ".so" {
		rt := runtime.New(cfg)
		m, err := rt.LoadFile(path) // its errors name the file
		if err != nil {
			rt.Close()
			return nil, nil, err
		}
		return rt, m, nil
	}
	src, err := readModule(path, f, cfg.MaxArtifactSize)
	if err != nil {
		return nil, nil, err
	}
	so, err := compiler.Compile(src, compiler.Options{Features: f, OptLevel: 2})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	cfg.TrustedKeys = nil
	rt := runtime.New(cfg)
	m, err := rt.Load(so)
	if err != nil {
		rt.Close()
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return rt, m, nil
}

// runFailure turns how a run ended into the process's status: the guest's exit code, or a trap.
func runFailure(path string, err error) error {
	var exit *wasi.ExitError
	if errors.As(err, &exit) {
		return &exitError{code: int(exit.Code)}
	}
	var trap *runtime.Trap
	if errors.As(err, &trap) {
		return &exitError{code: trapExitStatus, msg: fmt.Sprintf("wasiaot run: %s: %v", path, err)}
	}
	return fmt.Errorf("%s: %w", path, err)
}

// invokeExport calls one export with arguments parsed by its signature and prints the results,
// one per line.
func invokeExport(ctx context.Context, stdout io.Writer, inst *runtime.Instance, name string, args []string, path string) error {
	fn := inst.ExportedFunction(name)
	if fn == nil {
		return fmt.Errorf("%s: no exported function %q", path, name)
	}
	t := fn.Type()
	if len(args) != len(t.Params) {
		return usageError{fmt.Sprintf("%s is %v: it takes %d arguments, got %d", name, t, len(t.Params), len(args))}
	}
	words := make([]uint64, 0, len(args))
	for i, a := range args {
		w, err := parseValue(t.Params[i], a)
		if err != nil {
			return usageError{fmt.Sprintf("argument %d of %s: %v", i+1, name, err)}
		}
		words = append(words, w)
	}
	res, err := fn.Call(ctx, words...)
	if err != nil {
		return runFailure(path, err)
	}
	for _, rt := range t.Results {
		if rt == runtime.V128 {
			fmt.Fprintf(stdout, "v128:%#016x%016x\n", res[1], res[0])
			res = res[2:]
			continue
		}
		fmt.Fprintln(stdout, formatValue(rt, res[0]))
		res = res[1:]
	}
	return nil
}

func parseValue(t runtime.ValType, s string) (uint64, error) {
	switch t {
	case runtime.I32:
		if v, err := strconv.ParseInt(s, 0, 32); err == nil {
			return uint64(uint32(v)), nil
		}
		v, err := strconv.ParseUint(s, 0, 32)
		return v, err
	case runtime.I64:
		if v, err := strconv.ParseInt(s, 0, 64); err == nil {
			return uint64(v), nil
		}
		return strconv.ParseUint(s, 0, 64)
	case runtime.F32:
		v, err := strconv.ParseFloat(s, 32)
		return uint64(math.Float32bits(float32(v))), err
	case runtime.F64:
		v, err := strconv.ParseFloat(s, 64)
		return math.Float64bits(v), err
	}
	return 0, fmt.Errorf("not supported: %v parameters on the command line", t)
}

func formatValue(t runtime.ValType, w uint64) string {
	switch t {
	case runtime.I32:
		return strconv.FormatInt(int64(int32(w)), 10)
	case runtime.I64:
		return strconv.FormatInt(int64(w), 10)
	case runtime.F32:
		return strconv.FormatFloat(float64(math.Float32frombits(uint32(w))), 'g', -1, 32)
	case runtime.F64:
		return strconv.FormatFloat(math.Float64frombits(w), 'g', -1, 64)
	}
	return fmt.Sprintf("%v:%#x", t, w)
}
