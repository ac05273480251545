package engine

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

//go:embed node_runner.mjs
var nodeRunner []byte

func init() { Register("node", 40, newNode) }

// node runs modules on V8 through node:wasi. The phases are timed inside the
// Node process, so process start-up is excluded.
type node struct {
	bin, runner, version string
}

func newNode() (Engine, error) {
	bin, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("node not found: %w", err)
	}
	dir, err := os.MkdirTemp("", "bench-node-")
	if err != nil {
		return nil, err
	}
	runner := filepath.Join(dir, "node_runner.mjs")
	if err := os.WriteFile(runner, nodeRunner, 0o644); err != nil {
		return nil, err
	}
	return &node{bin: bin, runner: runner, version: "node " + commandVersion(bin, "--version") + " (V8, node:wasi)"}, nil
}

// Close removes the runner script's directory.
func (n *node) Close() error { return os.RemoveAll(filepath.Dir(n.runner)) }

func (n *node) Name() string    { return "node" }
func (n *node) Version() string { return n.version }
func (n *node) Native() bool    { return false }

type nodeTiming struct {
	Compile     float64 `json:"compile_ms"`
	Instantiate float64 `json:"instantiate_ms"`
	Run         float64 `json:"run_ms"`
	Exit        int     `json:"exit"`
}

func ms(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }

func (n *node) Run(ctx context.Context, p Program, inv Invocation) (Sample, error) {
	timing := inv.StdoutPath + ".timing.json"
	defer os.Remove(timing)
	os.Remove(timing)
	argv := append([]string{n.bin, "--no-warnings", n.runner, timing, p.Wasm, inv.StdinPath, inv.StdoutPath}, inv.Args...)
	// The runner opens stdin/stdout itself; the process's own are unused.
	procInv := Invocation{StdoutPath: os.DevNull, Stderr: inv.Stderr}
	wall, code, err := runProcess(ctx, argv, procInv, os.Environ())
	if err != nil {
		return Sample{Run: wall}, err
	}
	data, rerr := os.ReadFile(timing)
	if rerr != nil {
		return Sample{Run: wall, ExitCode: code}, fmt.Errorf("node exited %d without timings", code)
	}
	var t nodeTiming
	if err := json.Unmarshal(data, &t); err != nil {
		return Sample{Run: wall}, fmt.Errorf("node timings: %w", err)
	}
	return Sample{Compile: ms(t.Compile), Instantiate: ms(t.Instantiate), Run: ms(t.Run), ExitCode: t.Exit, Split: true}, nil
}
