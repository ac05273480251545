package wat

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// TestErrors runs testdata/errors.txt: each source must fail with exactly
// the given position and message.
func TestErrors(t *testing.T) {
	b, err := os.ReadFile("testdata/errors.txt")
	require.NoError(t, err)
	cases := strings.Split(string(b), "\n----\n")
	require.Greater(t, len(cases), 20)
	for _, c := range cases {
		var lines []string
		for _, l := range strings.Split(strings.TrimSpace(c), "\n") {
			if !strings.HasPrefix(l, "#") {
				lines = append(lines, l)
			}
		}
		want, ok := strings.CutPrefix(lines[len(lines)-1], "=> ")
		require.True(t, ok, c)
		src := strings.Join(lines[:len(lines)-1], "\n")
		_, err := Parse([]byte(src), wasm.FeaturesV2)
		if assert.Error(t, err, src) {
			assert.Equal(t, want, err.Error(), src)
			var e *Error
			assert.ErrorAs(t, err, &e)
		}
	}
}

// TestLimits checks that nesting beyond the parser's bounds is an error,
// not a stack overflow.
func TestLimits(t *testing.T) {
	_, err := Parse([]byte(strings.Repeat("(", 20000)), wasm.FeaturesV2)
	require.EqualError(t, err, "1:10001: nesting too deep")
	src := "(func " + strings.Repeat("block ", maxBlockDepth+1) + strings.Repeat("end ", maxBlockDepth+1) + ")"
	_, err = Parse([]byte(src), wasm.FeaturesV2)
	require.ErrorContains(t, err, "blocks nested too deep")
	src = "(func " + strings.Repeat("block ", 1000) + strings.Repeat("end ", 1000) + ")"
	_, err = Parse([]byte(src), wasm.FeaturesV2)
	require.NoError(t, err)
}
