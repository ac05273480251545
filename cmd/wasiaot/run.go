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
	"syscall"
	"time"

	"github.com/wasiaot/wasiaot/compiler"
	"github.com/wasiaot/wasiaot/compiler/cache"
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

// maxExitStatus is the largest proc_exit code that becomes wasiaot's status.
const maxExitStatus = 125

func runRun(stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet(stdout, "run", `Usage: wasiaot run [flags] APP.so|APP.wasm|APP.wat [--] [ARGS...]

Run a WebAssembly program. APP.so is an artifact from 'wasiaot build'; a .wasm or .wat module is
compiled first, or taken from the compile cache (below). Without --invoke, the program's WASI entry point _start runs with ARGS
as its arguments, and its exit status (proc_exit) becomes wasiaot's. A trap prints its kind and a
wasm backtrace (function and byte offset of every frame, innermost first, up to 1024), and exits
with status 134.

Exit status: a proc_exit code from 0 to 125 becomes wasiaot's status, as WASI specifies; a larger
code is outside the range WASI allows and is reported as a failure with status 1 and a message
(as Wasmtime does). A trap exits with 134; SIGINT stops the program and exits with 130, SIGTERM
with 143, also when the program is blocked reading input, accepting a connection or polling;
--timeout stops it like a trap (134). A program writing to a closed pipe gets the error EPIPE
instead of wasiaot being killed by SIGPIPE.

The sandbox: the program sees no file, directory, socket or environment variable unless given
one. --dir HOST::GUEST lets it use the host directory HOST under the name GUEST (default: the
same path), and nothing outside it: paths resolve beneath the directory, so "..", absolute paths
and symlinks cannot escape. --dir-ro does the same read-only. Standard input, output and error
are inherited.

A compiled module is kept in a cache, so the next run of the same module starts at once: the
directory is --cache-dir, else $WASIAOT_CACHE_DIR, else wasiaot/ in the user's cache directory
($XDG_CACHE_HOME or ~/.cache on Linux), made 0700. An entry is named by the SHA-256 of the
module, the compiler's build, the target and the options; it is checked like any artifact
(digests of every byte) and compiled again if damaged. When the entries exceed --cache-max, the
least recently used are removed. --no-cache compiles in memory and leaves the cache alone.

Examples:
  wasiaot run app.so -- --flag value
  wasiaot run --dir ./data::/data --env LANG=C app.so
  wasiaot run --invoke add add.wasm 1 2      # call an exported function, print its results
`)
	invoke := fs.String("invoke", "", "call this exported function with ARGS as its parameters and print its results (a funcref as funcref:INDEX, null refs as null), instead of running _start")
	dirs := fs.StringArray("dir", nil, "preopen HOST[::GUEST] read-write (repeatable)")
	dirsRO := fs.StringArray("dir-ro", nil, "preopen HOST[::GUEST] read-only (repeatable)")
	envs := fs.StringArray("env", nil, "set the environment variable K=V for the program, or pass K from wasiaot's environment (repeatable)")
	inheritEnv := fs.Bool("inherit-env", false, "pass wasiaot's own environment to the program (--env entries win)")
	listens := fs.StringArray("tcplisten", nil, "listen on ADDR (host:port) and hand the socket to the program as a preopened fd (repeatable)")
	timeout := fs.Duration("timeout", 0, "stop the program after this long (e.g. 10s); 0 means no limit")
	maxMemory := fs.String("max-memory", "", "cap each linear memory at SIZE (e.g. 64MiB, 1GiB, 100pages; a page is 64 KiB): memory.grow beyond it fails, and a module needing more does not start")
	verifyKeys := fs.StringArray("verify-key", nil, "run an artifact only if signed by this ed25519 public key file (repeatable)")
	trustDirs := fs.StringArray("trust-dir", nil, "like --verify-key for every key file in this directory (repeatable)")
	maxIn := addMaxInputFlag(fs)
	perfMap := fs.Bool("perf-map", false, "list the program's functions in /tmp/perf-PID.map, for perf to name them")
	features := addFeaturesFlag(fs)
	cpu := addCPUFlag(fs)
	noCache := fs.Bool("no-cache", false, "compile a module in memory: neither read nor write the compile cache")
	cacheDir := fs.String("cache-dir", "", "the compile cache's directory (default $"+cache.EnvDir+", else wasiaot/ in the user's cache directory)")
	cacheMax := sizeFlag(cache.DefaultMaxSize)
	fs.Var(&cacheMax, "cache-max", "cap the compile cache at SIZE bytes (K, M, G suffixes), removing the least recently used entries")
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

	if *timeout < 0 {
		return usageError{fmt.Sprintf("--timeout %v: a time limit cannot be negative (0 means none)", *timeout)}
	}
	var memPages uint32
	if *maxMemory != "" {
		if memPages, err = parseMemorySize(*maxMemory); err != nil {
			return usageError{fmt.Sprintf("--max-memory %q: %v", *maxMemory, err)}
		}
	}

	// A write to a closed pipe returns EPIPE to whoever wrote, the guest
	// included, instead of killing wasiaot.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := stopOnSignal(context.Background())
	defer stop()
	err = runProgram(ctx, stdout, stderr, path, progArgs, f, runOptions{
		invoke: *invoke, dirs: *dirs, dirsRO: *dirsRO, envs: *envs, inheritEnv: *inheritEnv,
		listens: *listens, timeout: *timeout, memPages: memPages,
		verifyKeys: *verifyKeys, trustDirs: *trustDirs, maxInput: int64(*maxIn), perfMap: *perfMap,
		noCache: *noCache, cacheDir: *cacheDir, cacheMax: int64(cacheMax), cpu: *cpu,
	})
	var sig signalError
	if err != nil && errors.As(context.Cause(ctx), &sig) {
		// Stopped by a signal: the status a shell expects of a process
		// killed by it.
		return &exitError{code: 128 + int(sig.sig), msg: fmt.Sprintf("wasiaot run: %s: stopped by %v", path, sig)}
	}
	return err
}

// runOptions are run's flags past the program and its arguments.
type runOptions struct {
	invoke             string
	dirs, dirsRO, envs []string
	inheritEnv         bool
	listens            []string
	timeout            time.Duration
	memPages           uint32
	verifyKeys         []string
	trustDirs          []string
	maxInput           int64
	perfMap            bool
	noCache            bool
	cacheDir           string
	cacheMax           int64
	cpu                string // --cpu, for a module compiled here
}

// signalError is the cause of a run stopped by a signal.
type signalError struct{ sig syscall.Signal }

func (e signalError) Error() string {
	switch e.sig {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return e.sig.String()
}

// stopOnSignal returns a context cancelled by the first SIGINT or SIGTERM, with a signalError as
// its cause. A second signal gets its default action, so a program that does not stop can still
// be killed.
func stopOnSignal(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			signal.Stop(ch)
			cancel(signalError{s.(syscall.Signal)})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(context.Canceled)
	}
}

// parseMemorySize parses a memory size: bytes with an optional unit (B, KiB, MiB, GiB, KB, MB,
// GB), or a number of 64 KiB wasm pages ("100pages"), into whole pages (rounding down), at least
// one and at most 65536.
func parseMemorySize(s string) (uint32, error) {
	num := strings.TrimRightFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	unit := strings.ToLower(strings.TrimSpace(s[len(num):]))
	n, err := strconv.ParseUint(num, 10, 64)
	if err != nil || num == "" {
		return 0, errors.New("want a size such as 64MiB, 1GiB or 100pages")
	}
	mult := map[string]uint64{"": 1, "b": 1, "k": 1 << 10, "kib": 1 << 10, "kb": 1000,
		"m": 1 << 20, "mib": 1 << 20, "mb": 1000 * 1000, "g": 1 << 30, "gib": 1 << 30,
		"gb": 1000 * 1000 * 1000, "page": 65536, "pages": 65536}[unit]
	if mult == 0 {
		return 0, fmt.Errorf("unknown unit %q (want B, KiB, MiB, GiB, KB, MB, GB or pages)", unit)
	}
	const maxPages = 65536
	if n > maxPages*65536/mult {
		return 0, errors.New("more than the 4 GiB a 32-bit memory can address")
	}
	pages := n * mult / 65536
	if pages == 0 {
		return 0, errors.New("less than one 64 KiB wasm page")
	}
	return uint32(pages), nil
}

// runProgram loads, instantiates and runs the program at path.
func runProgram(ctx context.Context, stdout, stderr io.Writer, path string, progArgs []string, f wasm.Features, o runOptions) error {
	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, o.timeout, fmt.Errorf("time limit of %v reached", o.timeout))
		defer cancel()
	}

	keys, err := trustedKeys(o.verifyKeys, o.trustDirs)
	if err != nil {
		return err
	}
	var cc *cache.Cache
	if !o.noCache {
		cc = openCache(stderr, o.cacheDir, o.cacheMax)
	}
	rt, mod, err := loadProgram(stderr, runtime.Config{TrustedKeys: keys, MaxArtifactSize: o.maxInput, MemoryLimitPages: o.memPages, PerfMap: o.perfMap}, path, f, o.cpu, cc)
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
	if o.invoke != "" {
		cfg.Args = []string{filepath.Base(path)}
	}
	env, err := guestEnv(o.envs, o.inheritEnv)
	if err != nil {
		return err
	}
	cfg.Env = env
	for _, spec := range o.dirs {
		cfg.Preopens = append(cfg.Preopens, preopen(spec, false))
	}
	for _, spec := range o.dirsRO {
		cfg.Preopens = append(cfg.Preopens, preopen(spec, true))
	}
	for _, addr := range o.listens {
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

	if o.invoke != "" {
		return invokeExport(ctx, stdout, inst, o.invoke, progArgs, path)
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

// guestEnv is the program's environment: K=V entries as given, K alone passes wasiaot's K (and
// nothing if it is unset, as Wasmtime does), all of wasiaot's environment with inherit, the
// entries given winning.
func guestEnv(envs []string, inherit bool) ([]string, error) {
	var out []string
	set := map[string]bool{}
	for _, kv := range envs {
		k, _, hasValue := strings.Cut(kv, "=")
		if k == "" {
			return nil, usageError{fmt.Sprintf("--env %q: want K=V or K", kv)}
		}
		set[k] = true
		if !hasValue {
			v, ok := os.LookupEnv(k)
			if !ok {
				continue
			}
			kv = k + "=" + v
		}
		out = append(out, kv)
	}
	if inherit {
		var inherited []string
		for _, kv := range os.Environ() {
			if k, _, _ := strings.Cut(kv, "="); !set[k] {
				inherited = append(inherited, kv)
			}
		}
		out = append(inherited, out...)
	}
	return out, nil
}

// preopen parses HOST[::GUEST].
func preopen(spec string, readOnly bool) wasi.Preopen {
	host, guest, ok := strings.Cut(spec, "::")
	if !ok {
		guest = host
	}
	return wasi.Preopen{HostPath: host, GuestPath: guest, ReadOnly: readOnly}
}

// loadProgram loads an artifact from its file, held to cfg.TrustedKeys, or compiles a module
// (through cc if not nil): code compiled here needs no signature.
func loadProgram(stderr io.Writer, cfg runtime.Config, path string, f wasm.Features, cpu string, cc *cache.Cache) (*runtime.Runtime, *runtime.Module, error) {
	head := make([]byte, 4)
	file, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	_, err = io.ReadFull(file, head)
	file.Close()
	// Anything named .so is an artifact, so a damaged one gets the artifact reader's precise error.
	if (err == nil && bytes.Equal(head, []byte("\x7fELF"))) || filepath.Ext(path) == ".so" {
		if cpu != "" {
			return nil, nil, usageError{fmt.Sprintf("--cpu applies to a module that run compiles; %s is compiled already (its level was chosen by 'wasiaot build --cpu')", path)}
		}
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
	cpuSet, err := parseCPU("", cpu)
	if err != nil {
		return nil, nil, err
	}
	opts := compiler.Options{Features: f, OptLevel: 2, CPU: cpuSet}
	finish := func() {}
	if len(src) >= runProgressAbove {
		opts.Progress, finish = compileProgress(stderr, filepath.Base(path))
	}
	cfg.TrustedKeys, cfg.MaxArtifactSize = nil, math.MaxInt64 // made here, from a checked input
	rt := runtime.New(cfg)
	var m *runtime.Module
	restoreLimit := limitCompileMemory()
	if cc != nil {
		m, _, err = cc.Load(rt, src, opts)
	} else {
		var so []byte
		if so, err = compiler.Compile(src, opts); err == nil {
			m, err = rt.Load(so)
		}
	}
	restoreLimit()
	finish()
	if err != nil {
		rt.Close()
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return rt, m, nil
}

// openCache opens the compile cache in dir (or the default directory) or says on stderr why it
// cannot: the program then runs all the same, compiled in memory.
func openCache(stderr io.Writer, dir string, maxSize int64) *cache.Cache {
	var err error
	if dir == "" {
		dir, err = cache.DefaultDir()
	}
	var cc *cache.Cache
	if err == nil {
		cc, err = cache.Open(dir, maxSize)
	}
	if err != nil {
		fmt.Fprintf(stderr, "wasiaot: %v; compiling without the cache (--no-cache silences this)\n", err)
		return nil
	}
	cc.OnError = func(err error) { fmt.Fprintf(stderr, "wasiaot: %v\n", err) }
	return cc
}

// runFailure turns how a run ended into the process's status: the guest's exit code, or a trap.
func runFailure(path string, err error) error {
	var exit *wasi.ExitError
	if errors.As(err, &exit) {
		if exit.Code > maxExitStatus {
			// WASI: "If a value of 126 or greater is given, this function
			// behaves as if it were implemented by an unreachable
			// instruction." Never a success, never a status a shell
			// reserves (126, 127, 128+signal).
			return &exitError{code: 1, msg: fmt.Sprintf("wasiaot run: %s: proc_exit(%d): exit status outside the range 0..%d that WASI allows", path, exit.Code, maxExitStatus)}
		}
		return &exitError{code: int(exit.Code)}
	}
	var trap *runtime.Trap
	if errors.As(err, &trap) {
		msg := fmt.Sprintf("wasiaot run: %s: %v", path, err)
		if len(trap.Frames) > 0 {
			msg += "\nwasm backtrace:\n" + strings.TrimSuffix(backtrace(trap.Frames), "\n")
			if trap.MoreFrames {
				msg += "\n  ... and more frames, not walked"
			}
		}
		return &exitError{code: trapExitStatus, msg: msg}
	}
	return fmt.Errorf("%s: %w", path, err)
}

// backtraceShown bounds the frames printed from each end of a deep backtrace (a stack overflow
// leaves tens of thousands).
const backtraceShown = 50

// backtrace formats frames, innermost first, one per line.
func backtrace(frames []runtime.Frame) string {
	var b strings.Builder
	for i, f := range frames {
		if len(frames) > 2*backtraceShown && i == backtraceShown {
			fmt.Fprintf(&b, "  ... %d frames not shown ...\n", len(frames)-2*backtraceShown)
		}
		if len(frames) > 2*backtraceShown && i >= backtraceShown && i < len(frames)-backtraceShown {
			continue
		}
		fmt.Fprintf(&b, "  %4d: %v\n", i, f)
	}
	return b.String()
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
		fmt.Fprintln(stdout, formatResult(inst, rt, res[0]))
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

// formatResult is formatValue, with a funcref shown as the index of its function in inst.
func formatResult(inst *runtime.Instance, t runtime.ValType, w uint64) string {
	switch {
	case (t == runtime.FuncRef || t == runtime.ExternRef) && w == 0:
		return "null"
	case t == runtime.FuncRef:
		if idx, ok := inst.FuncIndex(w); ok {
			return fmt.Sprintf("funcref:%d", idx)
		}
		return "funcref:?" // a function the instance does not hold (a host function made on the fly)
	}
	return formatValue(t, w)
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
