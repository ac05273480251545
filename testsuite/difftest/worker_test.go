package difftest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestPoolCrash: a child that dies or hangs is reported as a crash and
// replaced for the next run.
func TestPoolCrash(t *testing.T) {
	bin, err := os.ReadFile("testdata/refbugs/active_data.wasm")
	require.NoError(t, err)
	plan, err := NewPlan(bin, 1)
	require.NoError(t, err)
	for _, tc := range []struct{ name, script, want string }{
		{"signal", "read x; kill -SEGV $$", "worker died: signal: segmentation fault"},
		{"exit", "read x; echo 'fatal error: boom' >&2; exit 2", "fatal error: boom"},
		{"garbage", "read x; echo '{'", "worker wrote garbage"},
		{"hang", "read x; exec sleep 60", "worker hung"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Only the hanging worker needs the watchdog; the others get
			// one long enough for a loaded machine to start a shell.
			watchdog := 30 * time.Second
			if tc.name == "hang" {
				watchdog = time.Second
			}
			p := &Pool{Watchdog: watchdog, Command: func() *exec.Cmd { return exec.Command("sh", "-c", tc.script) }}
			defer p.Close()
			o, err := p.Run(EngineName(2), bin, plan)
			require.NoError(t, err)
			require.Contains(t, o.Crash, tc.want)
			mm, ok := Compare(plan, &Outcome{Engine: RefEngine}, o)
			require.True(t, ok)
			require.Equal(t, "crash", mm[0].Kind)
			// The next run gets a working child.
			p.Command = nil
			o, err = p.Run(EngineName(2), bin, plan)
			require.NoError(t, err)
			require.Empty(t, o.Crash)
			require.Equal(t, "out of bounds memory access", o.Calls[0].Trap)
		})
	}
}

// TestReduce reduces a module that shows the known reference bug (with
// the workaround off) and checks that the reduced module is smaller and
// still shows it.
func TestReduce(t *testing.T) {
	if testing.Short() || !HaveWasmOpt() {
		t.Skip("needs binaryen's wasm-reduce")
	}
	t.Setenv(NoWorkaroundsEnv, "1")
	bin, err := os.ReadFile("testdata/refbugs/reduce_me.wasm")
	require.NoError(t, err)
	dir := t.TempDir()
	cfg := Config{Dir: dir}
	f, err := saveFinding(cfg, GenTTF, 0, bin, nil, []Mismatch{{Engine: EngineName(0), Kind: "trap"}})
	require.NoError(t, err)
	if err := Reduce(f.Dir, nil); err != nil {
		log, _ := os.ReadFile(filepath.Join(f.Dir, "reduce.log"))
		t.Fatalf("%v\n%s", err, log)
	}
	reduced, err := os.ReadFile(filepath.Join(f.Dir, "reduced.wasm"))
	require.NoError(t, err)
	require.Less(t, len(reduced), len(bin))
	plan, err := NewPlan(reduced, 0)
	require.NoError(t, err)
	pool := &Pool{}
	defer pool.Close()
	_, mm, _, err := Execute(pool, reduced, plan)
	require.NoError(t, err)
	require.NotEmpty(t, mm)
	require.True(t, strings.Contains(Signature(mm), "trap: trap out of bounds memory access, reference returned"), Signature(mm))
	wat, err := os.ReadFile(filepath.Join(f.Dir, "reduced.wat"))
	require.NoError(t, err)
	require.Contains(t, string(wat), "memory.init")
}
