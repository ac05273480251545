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
