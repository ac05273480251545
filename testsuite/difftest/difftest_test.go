package difftest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

var (
	flagDuration = flag.Duration("difftest.duration", 0, "TestCampaign: run for this long")
	flagModules  = flag.Int("difftest.modules", 0, "TestCampaign: stop after this many modules")
	flagSeed     = flag.Uint64("difftest.seed", 0, "TestCampaign: first seed (default: from the clock)")
	flagGen      = flag.String("difftest.gen", "ttf,gen", "TestCampaign: generators, comma-separated (ttf, gen)")
	flagDir      = flag.String("difftest.dir", "", "TestCampaign: where findings are saved (default: a temporary directory)")
	flagReduce   = flag.Bool("difftest.reduce", true, "TestCampaign: reduce findings with wasm-reduce")
)

func TestMain(m *testing.M) {
	MaybeWorker()
	MaybeCheck()
	os.Exit(m.Run())
}

// TestShort is the standing check in go test: a fixed set of modules from
// both generators, each run in wasiaot at every level and compared with
// the reference, deterministic. Without binaryen only this package's
// generator runs; in CI (CI=true) a missing wasm-opt is an error, since
// .ci/run installs it.
func TestShort(t *testing.T) {
	if testing.Short() {
		t.Skip("the differential run takes a minute or two")
	}
	gens := []string{GenOwn, GenTTF}
	if !HaveWasmOpt() {
		if os.Getenv("CI") == "true" {
			t.Fatal("wasm-opt (binaryen) is not installed: the differential run needs it in CI")
		}
		t.Log("wasm-opt (binaryen) is not installed: binaryen's modules are left out")
		gens = []string{GenOwn}
	}
	st := campaign(t, Config{Seed: 1, Modules: 1500, Generators: gens, Dir: t.TempDir()})
	check(t, st.Compared > st.Modules/2, "only %d of %d modules compared: %v", st.Compared, st.Modules, st.Skipped)
}

// TestCampaign is the long run (make difftest DURATION=10m).
func TestCampaign(t *testing.T) {
	if *flagDuration == 0 && *flagModules == 0 {
		t.Skip("run with -difftest.duration or -difftest.modules (make difftest)")
	}
	gens := strings.Split(*flagGen, ",")
	if slices.Contains(gens, GenTTF) && !HaveWasmOpt() {
		t.Fatal("wasm-opt (binaryen) is not installed")
	}
	seed := *flagSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano() % 1e9)
	}
	dir := *flagDir
	if dir == "" {
		dir = t.TempDir()
	}
	campaign(t, Config{Seed: seed, Modules: *flagModules, Duration: *flagDuration, Generators: gens, Dir: dir,
		Reduce: *flagReduce && HaveWasmOpt(), Log: os.Stdout})
}

func check(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if !ok {
		t.Fatalf(format, args...)
	}
}

func campaign(t *testing.T, cfg Config) *Stats {
	pool := &Pool{}
	defer pool.Close()
	cfg.Pool = pool
	st, err := Campaign(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(Summary(st, cfg))
	for _, f := range st.Findings {
		t.Errorf("seed %d (%s): %s\n  saved in %s", f.Seed, f.Generator, f.Mismatches[0], f.Dir)
	}
	return st
}

// Summary formats a campaign's counts for the log and the report.
func Summary(st *Stats, cfg Config) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "seeds %d..%d: %d modules (%v), %d compared, %d wasiaot module-executions (exports x %d levels), %d reference calls, %d findings, %v\n",
		cfg.Seed, cfg.Seed+uint64(st.Modules)-1, st.Modules, st.ByGen, st.Compared, st.Executions, len(Levels), st.RefCalls, len(st.Findings), st.Elapsed.Round(time.Second))
	sortedCounts(&sb, "skipped", st.Skipped)
	sortedCounts(&sb, "known reference bugs", st.RefBugs)
	sortedCounts(&sb, "features (compared modules)", st.Features)
	sortedCounts(&sb, "reference call outcomes", st.Outcomes)
	if cfg.Dir != "" {
		fmt.Fprintf(&sb, "findings in %s\n", filepath.Join(cfg.Dir, "findings"))
	}
	return sb.String()
}

func sortedCounts(sb *strings.Builder, title string, m map[string]int) {
	if len(m) == 0 {
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(sb, "%s:\n", title)
	for _, k := range keys {
		fmt.Fprintf(sb, "  %6d  %s\n", m[k], k)
	}
}
