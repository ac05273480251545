package wasi_test

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/wasi"
)

// fixture is the host directory tree every program test starts from:
//
//	sandbox/            preopened as /sandbox
//	  hello.txt         "hello world\n"
//	  sub/inner.txt
//	  link_in -> hello.txt
//	  esc_abs -> /..<abs>/outside/secret.txt (the secret on the host; above
//	             the preopen's root for the guest)
//	  esc_rel -> ../outside/secret.txt
//	  esc_dir -> ../outside
//	  chain1 -> chain2 -> sub/../../outside/secret.txt
//	outside/secret.txt  never visible to the guest
//	ro/ro.txt           ro/ preopened read-only as /ro
var update = flag.Bool("update", false, "rewrite testdata/c/*.stdout from passing runs")

type fixture struct {
	root, sandbox, outside, ro string
}

func newFixture(t *testing.T) *fixture {
	root := t.TempDir()
	f := &fixture{root: root, sandbox: filepath.Join(root, "sandbox"),
		outside: filepath.Join(root, "outside"), ro: filepath.Join(root, "ro")}
	for _, d := range []string{f.sandbox, f.outside, f.ro, filepath.Join(f.sandbox, "sub")} {
		require.NoError(t, os.MkdirAll(d, 0o755))
	}
	write := func(p, s string) { require.NoError(t, os.WriteFile(p, []byte(s), 0o644)) }
	write(filepath.Join(f.sandbox, "hello.txt"), "hello world\n")
	write(filepath.Join(f.sandbox, "sub", "inner.txt"), "inner\n")
	write(filepath.Join(f.outside, "secret.txt"), "secret\n")
	write(filepath.Join(f.ro, "ro.txt"), "read only\n")
	links := map[string]string{
		"link_in": "hello.txt",
		"esc_abs": "/.." + filepath.Join(f.outside, "secret.txt"),
		"esc_rel": "../outside/secret.txt",
		"esc_dir": "../outside",
		"chain1":  "chain2",
		"chain2":  "sub/../../outside/secret.txt",
	}
	for name, target := range links {
		require.NoError(t, os.Symlink(target, filepath.Join(f.sandbox, name)))
	}
	return f
}

func (f *fixture) preopens() []wasi.Preopen {
	return []wasi.Preopen{
		{HostPath: f.sandbox, GuestPath: "/sandbox"},
		{HostPath: f.ro, GuestPath: "/ro", ReadOnly: true},
	}
}

type program struct {
	name  string // testdata/c/<name>.wasm, expected stdout in <name>.stdout
	args  []string
	env   []string
	stdin string
	exit  uint32
	// check runs after the program, on the host side.
	check func(t *testing.T, f *fixture, stdout, stderr string)
}

func runProgram(t *testing.T, wasmPath string, cfg wasi.Config) (uint32, string, string) {
	t.Helper()
	wasm, err := os.ReadFile(wasmPath)
	require.NoError(t, err)
	var stdout, stderr bytes.Buffer
	cfg.Stdout, cfg.Stderr = &stdout, &stderr
	h, err := wasi.New(cfg)
	require.NoError(t, err)
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code, err := runWasm(ctx, wasm, h)
	require.NoError(t, err, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	return code, stdout.String(), stderr.String()
}

func TestCPrograms(t *testing.T) {
	programs := []program{
		{name: "argsenv", args: []string{"argsenv", "one", "with space", ""},
			env: []string{"GREETING=hello=world", "EMPTY="}},
		{name: "files", check: func(t *testing.T, f *fixture, _, _ string) {
			_, err := os.Stat(filepath.Join(f.sandbox, "new.txt"))
			require.ErrorIs(t, err, os.ErrNotExist)
		}},
		{name: "dirs"},
		{name: "stat"},
		{name: "symlinks", check: func(t *testing.T, f *fixture, _, _ string) {
			fi, err := os.Lstat(filepath.Join(f.sandbox, "hard_follow"))
			require.NoError(t, err)
			require.True(t, fi.Mode().IsRegular())
		}},
		{name: "clocks"},
		{name: "poll", stdin: "input"},
		{name: "exitcode", args: []string{"exitcode", "3"}, exit: 3},
		{name: "escape", check: func(t *testing.T, f *fixture, _, _ string) {
			for _, p := range []string{"stolen", "newdir", "newlink", "created"} {
				_, err := os.Lstat(filepath.Join(f.outside, p))
				require.ErrorIs(t, err, os.ErrNotExist, p)
			}
			ents, err := os.ReadDir(f.ro)
			require.NoError(t, err)
			require.Len(t, ents, 1)
		}},
		{name: "readdir", check: func(t *testing.T, f *fixture, _, _ string) {
			ents, err := os.ReadDir(filepath.Join(f.sandbox, "many"))
			require.NoError(t, err)
			require.Len(t, ents, 300)
		}},
	}
	for _, p := range programs {
		t.Run(p.name, func(t *testing.T) { runCProgram(t, p) })
		t.Run(p.name+"-walk", func(t *testing.T) {
			wasi.UseWalkResolver(t)
			runCProgram(t, p)
		})
	}
}

func runCProgram(t *testing.T, p program) {
	f := newFixture(t)
	var stdin io.Reader
	if p.stdin != "" {
		stdin = strings.NewReader(p.stdin)
	}
	args := p.args
	if args == nil {
		args = []string{p.name}
	}
	code, stdout, stderr := runProgram(t, filepath.Join("testdata", "c", p.name+".wasm"), wasi.Config{
		Args: args, Env: p.env, Stdin: stdin, Preopens: f.preopens(),
	})
	assertGolden(t, filepath.Join("testdata", "c", p.name+".stdout"), stdout, code == p.exit, stderr)
	require.Equal(t, p.exit, code)
	if p.check != nil {
		p.check(t, f, stdout, stderr)
	}
	secret, err := os.ReadFile(filepath.Join(f.outside, "secret.txt"))
	require.NoError(t, err)
	require.Equal(t, "secret\n", string(secret), "outside file changed")
}

// assertGolden compares a program's stdout with its expected file; with
// -update it first rewrites the file from a run that passed.
func assertGolden(t *testing.T, path, stdout string, passed bool, stderr string) {
	t.Helper()
	if *update && passed && !strings.Contains(stdout, "FAIL") {
		require.NoError(t, os.WriteFile(path, []byte(stdout), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), stdout, "stderr:\n%s", stderr)
}
