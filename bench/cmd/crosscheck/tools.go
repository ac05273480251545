package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// wazeroVersion is the module version pinned in go.mod.
const wazeroVersion = "wazero v1.12.0 (optimizing compiler)"

// tools are the target builds of the wasiaot command and of wazerocode,
// and the emulator that runs them.
type tools struct {
	qemu        string
	qemuVersion string
	wasiaot     string // GOARCH=target build of ./cmd/wasiaot
	wazerocode  string // GOARCH=target build of bench/cmd/wazerocode
}

// buildTools cross-compiles the wasiaot command (from the repository that
// holds the bench module) and wazerocode into dir.
func buildTools(ctx context.Context, benchDir, dir, qemu string) (*tools, error) {
	q, err := exec.LookPath(qemu)
	if err != nil {
		return nil, fmt.Errorf("%s not found (Debian: apt-get install qemu-user-static): %w", qemu, err)
	}
	t := &tools{qemu: q, qemuVersion: firstLine(q, "--version"),
		wasiaot: filepath.Join(dir, "wasiaot-"+target), wazerocode: filepath.Join(dir, "wazerocode-"+target)}
	for _, b := range []struct{ dir, pkg, out string }{
		{filepath.Dir(benchDir), "./cmd/wasiaot", t.wasiaot},
		{benchDir, "./cmd/wazerocode", t.wazerocode},
	} {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", b.out, b.pkg)
		cmd.Dir = b.dir
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+target, "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("GOARCH=%s go build %s in %s: %w\n%s", target, b.pkg, b.dir, err, out)
		}
	}
	return t, nil
}

// runArtifact runs `wasiaot run APP -- ARGS` under qemu with stdin and
// stdout redirected to files, and returns the exit code and stderr.
func (t *tools) runArtifact(ctx context.Context, artifact string, args []string, stdin, stdout string) (int, string, error) {
	argv := append([]string{t.wasiaot, "run", artifact, "--"}, args...)
	cmd := exec.CommandContext(ctx, t.qemu, argv...)
	cmd.Env = []string{} // the guest sees no environment either way
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if stdin != "" {
		f, err := os.Open(stdin)
		if err != nil {
			return 0, "", err
		}
		defer f.Close()
		cmd.Stdin = f
	}
	out, err := os.Create(stdout)
	if err != nil {
		return 0, "", err
	}
	defer out.Close()
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = out, &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return -1, stderr.String(), fmt.Errorf("qemu killed by signal %v: %s", ws.Signal(), lastLine(stderr.String()))
		}
		return ee.ExitCode(), stderr.String(), nil
	}
	return 0, stderr.String(), err
}

// wazeroCode returns the size of wazero's machine code for the module,
// compiled under qemu for the target.
func (t *tools) wazeroCode(ctx context.Context, wasm string) (int64, error) {
	cmd := exec.CommandContext(ctx, t.qemu, t.wazerocode, wasm)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("wazerocode: %w: %s", err, lastLine(stderr.String()))
	}
	var r struct {
		Arch      string `json:"arch"`
		CodeBytes int64  `json:"code_bytes"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return 0, fmt.Errorf("wazerocode output %q: %w", out, err)
	}
	if r.Arch != target {
		return 0, fmt.Errorf("wazerocode ran as %s, want %s", r.Arch, target)
	}
	return r.CodeBytes, nil
}

// runBuildScript builds the workloads (idempotent).
func runBuildScript(ctx context.Context, benchDir, cache string) error {
	script := filepath.Join(benchDir, "workloads", "build.sh")
	cmd := exec.CommandContext(ctx, "bash", script)
	cmd.Env = append(os.Environ(), "BENCH_CACHE="+cache)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", script, err)
	}
	return nil
}

func firstLine(argv ...string) string {
	out, err := exec.Command(argv[0], argv[1:]...).Output()
	if err != nil {
		return "unknown"
	}
	s, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return s
}
