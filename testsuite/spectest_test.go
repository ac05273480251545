package testsuite

import (
	"flag"
	"io"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

var (
	suitesFlag = flag.String("suites", "", "comma-separated spec suites to run (default: all)")
	listSkips  = flag.Bool("list-skipped", false, "print every skipped command by name")
)

// TestSpec runs the spec suites through the real pipeline and fails on any failed command.
// Per-file lines and the total are printed with -v (make spectest).
func TestSpec(t *testing.T) {
	suites, err := SuitesNamed(*suitesFlag)
	require.NoError(t, err)
	var out io.Writer = io.Discard
	if testing.Verbose() {
		out = os.Stdout
	}
	total, err := Report(out, suites, *listSkips)
	require.NoError(t, err)
	for _, f := range total.Failures {
		t.Error(f)
	}
	require.Positive(t, total.Passed)
}
