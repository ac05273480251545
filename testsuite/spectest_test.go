package testsuite

import (
	"bufio"
	"flag"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/compiler"
	"github.com/wasiaot/wasiaot/runtime/artifact"
)

var (
	suitesFlag  = flag.String("suites", "", "comma-separated spec suites to run (default: all)")
	listSkips   = flag.Bool("list-skipped", false, "print every skipped command by name, with the reason")
	frontOnly   = flag.Bool("frontend-only", false, "judge only decoding and validation; do not compile or run anything")
	updateKnown = flag.Bool("update-known", false, "rewrite testdata/known_failures.txt from this run")
	filesFlag   = flag.String("files", "", "run only the scripts whose base name matches this pattern (e.g. simd_*)")
)

// knownFailuresFile lists commands ("file.json:line") that fail today because of gaps the README
// and the issue tracker name. A failure not on the list, or a listed command that now passes,
// fails the test: the list can only shrink knowingly.
const knownFailuresFile = "testdata/known_failures.txt"

// TestSpec runs the spec suites through the real pipeline: decode, validate, compile to an
// artifact, load, instantiate, invoke. Per-file lines and the total are printed with -v
// (make spectest).
func TestSpec(t *testing.T) {
	suites, err := SuitesNamed(*suitesFlag)
	require.NoError(t, err)
	FilePattern = *filesFlag
	var out io.Writer = io.Discard
	if testing.Verbose() {
		out = os.Stdout
	}
	total, err := Report(out, suites, !*frontOnly, *listSkips)
	require.NoError(t, err)
	require.Positive(t, total.Passed)

	failing := map[string]string{}
	for _, f := range total.Failures {
		key, _, _ := strings.Cut(f, ": ")
		failing[key] = f
	}
	if *updateKnown {
		keys := make([]string, 0, len(failing))
		for k := range failing {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		require.NoError(t, os.MkdirAll(filepath.Dir(knownFailuresFile), 0o755))
		body := "# Spec commands that fail today (file.json:line). Regenerate with\n" +
			"# go test ./testsuite -run TestSpec -args -update-known\n" + strings.Join(keys, "\n")
		if len(keys) > 0 {
			body += "\n"
		}
		require.NoError(t, os.WriteFile(knownFailuresFile, []byte(body), 0o644))
		return
	}
	known := readKnown(t)
	for key, f := range failing {
		if _, ok := known[key]; !ok || *frontOnly {
			t.Error("new failure: " + f)
		}
	}
	if *frontOnly || *suitesFlag != "" || *filesFlag != "" {
		return // a partial run cannot tell which listed commands pass now
	}
	for key := range known {
		if _, ok := failing[key]; !ok {
			t.Errorf("%s passes now: remove it from %s (-update-known)", key, knownFailuresFile)
		}
	}
}

func readKnown(t *testing.T) map[string]struct{} {
	known := map[string]struct{}{}
	f, err := os.Open(knownFailuresFile)
	if os.IsNotExist(err) {
		return known
	}
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			known[line] = struct{}{}
		}
	}
	require.NoError(t, sc.Err())
	return known
}

// TestSpecCPULevels runs the v1 and v2 suites again with the code compiled for every CPU level
// above the default that this machine has (x86-64-v2 and x86-64-v3 on amd64: VEX encodings,
// BMI2, bsr/bsf for clz/ctz): the same commands must pass.
func TestSpecCPULevels(t *testing.T) {
	if *frontOnly || *suitesFlag != "" || *filesFlag != "" {
		t.Skip("TestSpec runs the partial selections")
	}
	host := artifact.DetectHost()
	levels, err := compiler.CPULevels(host.Arch.String())
	require.NoError(t, err)
	known := readKnown(t)
	ran := 0
	for _, level := range levels[1:] {
		if level == compiler.CPUNative {
			continue
		}
		cpu, err := compiler.ParseCPU(host.Arch.String(), level)
		require.NoError(t, err)
		if missing := cpu &^ host.Features; missing != 0 {
			t.Logf("%s: not run, this machine lacks %v", level, missing)
			continue
		}
		ran++
		t.Run(level, func(t *testing.T) {
			var suites []Suite
			for _, s := range Suites[:2] {
				s.CPU = cpu
				suites = append(suites, s)
			}
			var out io.Writer = io.Discard
			if testing.Verbose() {
				out = os.Stdout
			}
			total, err := Report(out, suites, true, false)
			require.NoError(t, err)
			require.Positive(t, total.Passed)
			for _, f := range total.Failures {
				if key, _, _ := strings.Cut(f, ": "); !hasKey(known, key) {
					t.Error("new failure: " + f)
				}
			}
		})
	}
	t.Logf("%d levels run", ran)
}

func hasKey(m map[string]struct{}, k string) bool { _, ok := m[k]; return ok }
