package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// runProcess runs argv with the invocation's stdin/stdout files and returns
// the wall time from start to exit and the exit code. A non-zero exit is not
// an error here: verification compares exit codes with native.
func runProcess(ctx context.Context, argv []string, inv Invocation, env []string) (time.Duration, int, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// Kill the whole group so helpers (node workers) go too.
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if inv.StdinPath != "" {
		f, err := os.Open(inv.StdinPath)
		if err != nil {
			return 0, 0, err
		}
		defer f.Close()
		cmd.Stdin = f
	}
	out, err := os.Create(inv.StdoutPath)
	if err != nil {
		return 0, 0, err
	}
	defer out.Close()
	cmd.Stdout = out
	cmd.Stderr = inv.Stderr
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	if ctx.Err() != nil {
		return wall, -1, ErrTimeout
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return wall, -1, fmt.Errorf("killed by signal %v", ws.Signal())
		}
		return wall, ee.ExitCode(), nil
	}
	if err != nil {
		return wall, -1, err
	}
	return wall, 0, nil
}

// commandVersion runs argv and returns the first line of its output.
func commandVersion(argv ...string) string {
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return "unknown"
	}
	for i, c := range out {
		if c == '\n' {
			return string(out[:i])
		}
	}
	return string(out)
}
