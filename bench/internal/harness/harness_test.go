package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/bench/internal/engine"
	"github.com/wasiaot/wasiaot/bench/internal/workload"
)

// fake is an engine whose output and behaviour the test dictates.
type fake struct {
	name   string
	output string
	exit   int
	err    error
	hang   bool
	slow   bool
	calls  int
}

func (f *fake) Name() string    { return f.name }
func (f *fake) Version() string { return "test" }
func (f *fake) Native() bool    { return false }
func (f *fake) Slow() bool      { return f.slow }

func (f *fake) Run(ctx context.Context, p engine.Program, inv engine.Invocation) (engine.Sample, error) {
	f.calls++
	if f.hang {
		<-ctx.Done()
		return engine.Sample{}, engine.ErrTimeout
	}
	if f.err != nil {
		return engine.Sample{}, f.err
	}
	if err := os.WriteFile(inv.StdoutPath, []byte(f.output), 0o644); err != nil {
		return engine.Sample{}, err
	}
	return engine.Sample{Compile: time.Millisecond, Instantiate: time.Millisecond, Run: 2 * time.Millisecond, ExitCode: f.exit, Split: true}, nil
}

func helloWorkload() *workload.Workload {
	return &workload.Workload{Name: "hello", Group: workload.GroupMicro, Bin: "hello",
		Args: func(float64) []string { return nil }, Check: workload.Exact}
}

func testEnv(t *testing.T) *workload.Env {
	bin, err := filepath.Abs("testdata/bin")
	require.NoError(t, err)
	return &workload.Env{BinDir: bin, InputDir: t.TempDir(), Scale: 1}
}

func mustEngine(t *testing.T, name string) engine.Engine {
	e, err := engine.New(name)
	require.NoError(t, err)
	return e
}

// TestSmokeInProcessEngines runs the hello module on every in-process engine
// and checks each output against the native program's.
func TestSmokeInProcessEngines(t *testing.T) {
	engs := []engine.Engine{mustEngine(t, "native"), mustEngine(t, "wazero"), mustEngine(t, "wazero-interp"), mustEngine(t, "wasmtime")}
	out, err := Run(context.Background(), Config{
		Engines: engs, Workloads: []*workload.Workload{helloWorkload()}, Env: testEnv(t),
		Reps: 2, SlowReps: 1, Timeout: time.Minute, SlowTimeout: time.Minute, Warmup: true, WorkDir: t.TempDir(),
	})
	require.NoError(t, err)
	require.Len(t, out.Cells, 4)
	for _, c := range out.Cells {
		assert.Equal(t, OK, c.Status, "%s: %s", c.Engine, c.Detail)
		want := 2
		if c.Engine == "wazero-interp" {
			want = 1
		}
		require.Len(t, c.Samples, want, c.Engine)
		for _, s := range c.Samples {
			assert.Positive(t, s.Exec(), c.Engine)
			assert.Equal(t, 0, s.ExitCode)
		}
		if c.Engine != "native" {
			assert.True(t, c.Samples[0].Split, c.Engine)
			assert.Positive(t, c.Samples[0].Compile, c.Engine)
		}
	}
	ref := out.References["hello"]
	// sha256("hello, world\n")
	assert.Equal(t, "853ff93762a06ddbf722c4ebe9ddd66d8f63ddaea97f521c3ecc20da7c976020", ref.Digest)
}

func TestVerificationAndFailures(t *testing.T) {
	good := &fake{name: "good", output: "hello, world\n"}
	liar := &fake{name: "liar", output: "hello, world!\n"}
	badExit := &fake{name: "badexit", output: "hello, world\n", exit: 3}
	broken := &fake{name: "broken", err: errors.New("boom")}
	hung := &fake{name: "hung", hang: true, slow: true}
	picky := &fake{name: "picky", err: fmt.Errorf("%w: too big", engine.ErrUnsupported)}
	engs := []engine.Engine{mustEngine(t, "native"), good, liar, badExit, broken, hung, picky}
	out, err := Run(context.Background(), Config{
		Engines: engs, Workloads: []*workload.Workload{helloWorkload()}, Env: testEnv(t),
		Reps: 3, SlowReps: 2, Timeout: time.Minute, SlowTimeout: 50 * time.Millisecond, WorkDir: t.TempDir(),
	})
	require.NoError(t, err)

	want := map[string]Status{"native": OK, "good": OK, "liar": Wrong, "badexit": Wrong, "broken": Failed, "hung": Capped, "picky": Skipped}
	for name, st := range want {
		c := out.Cell("hello", name)
		require.NotNil(t, c, name)
		assert.Equal(t, st, c.Status, "%s: %s", name, c.Detail)
		if st != OK {
			assert.Empty(t, c.Samples, "%s: a failed cell has no timings", name)
		}
	}
	assert.Len(t, out.Cell("hello", "good").Samples, 3)
	assert.Contains(t, out.Cell("hello", "liar").Detail, "stdout differs")
	assert.Contains(t, out.Cell("hello", "badexit").Detail, "exit code 3, native 0")
	assert.Contains(t, out.Cell("hello", "broken").Detail, "boom")
	assert.Contains(t, out.Cell("hello", "hung").Detail, "50ms")
	// A failing engine is not retried in later repetitions.
	assert.Equal(t, 1, liar.calls)
	assert.Equal(t, 1, hung.calls)
}

func TestMissingBinaries(t *testing.T) {
	w := helloWorkload()
	w.Bin = "does-not-exist"
	out, err := Run(context.Background(), Config{
		Engines: []engine.Engine{mustEngine(t, "native"), &fake{name: "good"}}, Workloads: []*workload.Workload{w},
		Env: testEnv(t), Reps: 1, Timeout: time.Minute, WorkDir: t.TempDir(),
	})
	require.NoError(t, err)
	for _, c := range out.Cells {
		assert.Equal(t, Unavailable, c.Status)
		assert.Contains(t, c.Detail, "does-not-exist.wasm")
	}
}

func TestRejectsZeroRepetitions(t *testing.T) {
	_, err := Run(context.Background(), Config{Reps: 0, WorkDir: t.TempDir()})
	require.Error(t, err)
}

// compiler is a fake engine that can also compile apart from running.
type compiler struct {
	fake
	order *[]string // engine names in the order they compiled
}

func (c *compiler) CompileOnly(ctx context.Context, wasm string) (time.Duration, error) {
	*c.order = append(*c.order, c.name)
	if c.calls > 0 {
		return 0, errors.New("compile phase after a run")
	}
	return time.Duration(len(*c.order)) * time.Millisecond, nil
}

// The compile phase compiles each module once untimed and then CompileReps
// times per engine that implements engine.Compiler, the engines taking
// turns, before any run.
func TestCompilePhase(t *testing.T) {
	var order []string
	a := &compiler{fake: fake{name: "a", output: "hello, world\n"}, order: &order}
	b := &compiler{fake: fake{name: "b", output: "hello, world\n"}, order: &order}
	plain := &fake{name: "plain", output: "hello, world\n"}
	out, err := Run(context.Background(), Config{
		Engines: []engine.Engine{mustEngine(t, "native"), a, b, plain}, Workloads: []*workload.Workload{helloWorkload()},
		Env: testEnv(t), Reps: 2, CompileReps: 3, Timeout: time.Minute, WorkDir: t.TempDir(),
	})
	require.NoError(t, err)
	// An untimed round first, then the timed ones.
	assert.Equal(t, []string{"a", "b", "a", "b", "a", "b", "b", "a"}, order, "turns rotate like the runs")
	assert.Equal(t, []time.Duration{3 * time.Millisecond, 5 * time.Millisecond, 8 * time.Millisecond}, out.Cell("hello", "a").Compiles)
	assert.Len(t, out.Cell("hello", "b").Compiles, 3)
	assert.Empty(t, out.Cell("hello", "plain").Compiles)
	assert.Equal(t, OK, out.Cell("hello", "a").Status)
	assert.Len(t, out.Cell("hello", "a").Samples, 2)
}

// A compile-only workload is compiled by the engines that compile apart
// from running, with the CPU time of each compile, and never run: it
// needs no native build, and the other engines' cells say why they are
// empty.
func TestCompileOnly(t *testing.T) {
	var order []string
	a := &compiler{fake: fake{name: "a"}, order: &order}
	plain := &fake{name: "plain"}
	w := helloWorkload()
	w.Name, w.Group, w.Bin, w.CompileOnly = "only", workload.GroupCompile, "wasm-only", true
	bin := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(bin, "wasm-only.wasm"), []byte("\x00asm\x01\x00\x00\x00"), 0o644))
	env := testEnv(t)
	env.BinDir = bin
	out, err := Run(context.Background(), Config{
		Engines: []engine.Engine{mustEngine(t, "native"), a, plain}, Workloads: []*workload.Workload{w},
		Env: env, Reps: 2, CompileReps: 2, Timeout: time.Minute, WorkDir: t.TempDir(),
	})
	require.NoError(t, err)
	c := out.Cell("only", "a")
	assert.Equal(t, OK, c.Status)
	assert.Len(t, c.Compiles, 2)
	assert.Len(t, c.CompileCPU, 2)
	assert.Empty(t, c.Samples)
	assert.Zero(t, a.calls+plain.calls, "nothing runs")
	for _, e := range []string{"native", "plain"} {
		assert.Equal(t, Skipped, out.Cell("only", e).Status, e)
		assert.Contains(t, out.Cell("only", e).Detail, "only compiled", e)
	}
	_, ok := out.References["only"]
	assert.False(t, ok, "no native reference")
}
