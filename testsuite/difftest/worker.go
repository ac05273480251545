package difftest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// WorkerEnv is set in the environment of a child process that serves
// requests (see MaybeWorker).
const WorkerEnv = "WASIAOT_DIFFTEST_WORKER"

// request is one engine run, sent to the child as a JSON line.
type request struct {
	Engine string
	Module []byte
	Plan   *Plan
}

// reply is the child's answer, one JSON line.
type reply struct {
	Outcome *Outcome
}

// MaybeWorker turns the process into a worker when WorkerEnv is set: it
// serves requests from stdin until EOF and exits. A test binary calls it
// first thing in TestMain, so that the runner can re-execute itself.
func MaybeWorker() {
	if os.Getenv(WorkerEnv) == "" {
		return
	}
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := json.NewEncoder(os.Stdout)
	for {
		line, err := in.ReadBytes('\n')
		if err != nil {
			os.Exit(0)
		}
		var req request
		if err := json.Unmarshal(line, &req); err != nil {
			fmt.Fprintln(os.Stderr, "difftest worker: bad request:", err)
			os.Exit(2)
		}
		o := Run(req.Engine, req.Module, req.Plan)
		if err := out.Encode(reply{Outcome: o}); err != nil {
			os.Exit(2)
		}
	}
}

// Pool runs engines in a child process (one at a time), restarting it
// after it crashed or hung.
type Pool struct {
	// Command starts a child that calls MaybeWorker; by default the
	// running executable again.
	Command func() *exec.Cmd
	// Watchdog bounds a whole engine run beyond the per-call timeouts the
	// child applies itself: a child silent for longer hangs.
	Watchdog time.Duration

	mu     sync.Mutex
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *os.File
	lines  chan []byte
	stderr *strings.Builder
	waited chan struct{}
}

func (p *Pool) start() error {
	var cmd *exec.Cmd
	if p.Command != nil {
		cmd = p.Command()
	} else {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		cmd = exec.Command(exe, "-test.run=^$")
	}
	cmd.Env = append(os.Environ(), WorkerEnv+"=1")
	// A killed child's own children may hold its pipes open: stop
	// waiting for them.
	cmd.WaitDelay = time.Second
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	// Our own pipe rather than StdoutPipe: Wait closes that one as soon
	// as the child exits, which can drop the last line it wrote (the very
	// line that shows what went wrong).
	stdout, w, err := os.Pipe()
	if err != nil {
		return err
	}
	cmd.Stdout = w
	p.stderr = &strings.Builder{}
	cmd.Stderr = &limitedWriter{w: p.stderr, n: 64 << 10}
	err = cmd.Start()
	w.Close()
	if err != nil {
		stdout.Close()
		return err
	}
	lines := make(chan []byte, 4)
	waited := make(chan struct{})
	go func() {
		r := bufio.NewReaderSize(stdout, 1<<20)
		for {
			line, err := r.ReadBytes('\n')
			if err != nil {
				close(lines)
				return
			}
			lines <- line
		}
	}()
	go func() {
		_ = cmd.Wait()
		close(waited)
	}()
	p.cmd, p.stdin, p.stdout, p.lines, p.waited = cmd, stdin, stdout, lines, waited
	return nil
}

// Close stops the child.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stop()
}

func (p *Pool) stop() {
	if p.cmd == nil {
		return
	}
	_ = p.stdin.Close()
	select {
	case <-p.waited:
	case <-time.After(2 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.waited
	}
	p.release()
	p.cmd = nil
}

// release ends the reader of a child that has exited: its grandchildren
// may still hold the pipe open.
func (p *Pool) release() {
	_ = p.stdout.Close()
	for range p.lines {
	}
}

func (p *Pool) kill() string {
	_ = p.cmd.Process.Kill()
	<-p.waited
	p.release()
	state := p.cmd.ProcessState.String()
	p.cmd = nil
	return state
}

// Run executes one engine run in the child. A child that dies or stays
// silent past the watchdog yields an Outcome with Crash set (with the
// tail of its stderr), and is restarted for the next run.
func (p *Pool) Run(engine string, bin []byte, plan *Plan) (*Outcome, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		if err := p.start(); err != nil {
			return nil, fmt.Errorf("difftest: start worker: %w", err)
		}
	}
	req, err := json.Marshal(request{Engine: engine, Module: bin, Plan: plan})
	if err != nil {
		return nil, err
	}
	if _, err := p.stdin.Write(append(req, '\n')); err != nil {
		return &Outcome{Engine: engine, Crash: "worker exited: " + p.kill() + "\n" + tail(p.stderr.String())}, nil
	}
	watchdog := p.Watchdog
	if watchdog == 0 {
		watchdog = time.Duration(len(plan.Calls)+2)*CallTimeout + 30*time.Second
	}
	timer := time.NewTimer(watchdog)
	defer timer.Stop()
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				state := p.kill()
				return &Outcome{Engine: engine, Crash: "worker died: " + state + "\n" + tail(p.stderr.String())}, nil
			}
			var r reply
			if err := json.Unmarshal(line, &r); err != nil {
				state := p.kill()
				return &Outcome{Engine: engine, Crash: "worker wrote garbage (" + err.Error() + "): " + state + "\n" + tail(p.stderr.String())}, nil
			}
			if r.Outcome != nil {
				return r.Outcome, nil
			}
		case <-timer.C:
			state := p.kill()
			return &Outcome{Engine: engine, Crash: fmt.Sprintf("worker hung (no answer in %v): %s\n%s", watchdog, state, tail(p.stderr.String()))}, nil
		}
	}
}

func tail(s string) string {
	const n = 4000
	if len(s) > n {
		s = "..." + s[len(s)-n:]
	}
	return s
}

type limitedWriter struct {
	mu sync.Mutex
	w  *strings.Builder
	n  int
}

func (l *limitedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w.Len() < l.n {
		l.w.Write(b[:min(len(b), l.n-l.w.Len())])
	}
	return len(b), nil
}
