package wat

import (
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/compiler/validate"
	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// readCases splits a testdata file into cases, dropping comment lines.
func readCases(t *testing.T, path, sep string) []string {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var out []string
	for _, c := range strings.Split(string(b), sep) {
		var lines []string
		for _, l := range strings.Split(c, "\n") {
			if !strings.HasPrefix(l, "#") {
				lines = append(lines, l)
			}
		}
		out = append(out, strings.TrimSpace(strings.Join(lines, "\n")))
	}
	return out
}

// TestGolden runs testdata/golden.txt: exact binaries for small modules.
func TestGolden(t *testing.T) {
	cases := readCases(t, "testdata/golden.txt", "\n----\n")
	require.Greater(t, len(cases), 5)
	for _, c := range cases {
		src, hexWant, ok := strings.Cut(c, "\n=> ")
		require.True(t, ok, c)
		want, err := hex.DecodeString(strings.Join(strings.Fields(hexWant), ""))
		require.NoError(t, err, c)
		got, err := Parse([]byte(src), wasm.FeaturesV2)
		require.NoError(t, err, src)
		require.Equal(t, hex.EncodeToString(want), hex.EncodeToString(got), src)
		m, err := wasm.Decode(got, wasm.FeaturesV2)
		require.NoError(t, err, src)
		require.NoError(t, validate.Validate(m, wasm.FeaturesV2), src)
	}
}

// TestEquivalent runs testdata/equiv.txt: abbreviations and their
// expansions, folded and plain forms, names and indices encode the same,
// apart from the name section.
func TestEquivalent(t *testing.T) {
	groups := readCases(t, "testdata/equiv.txt", "\n====\n")
	require.Greater(t, len(groups), 5)
	for _, g := range groups {
		forms := strings.Split(g, "\n----\n")
		require.Greater(t, len(forms), 1, g)
		first, err := Parse([]byte(forms[0]), wasm.FeaturesV2)
		first = stripNames(first)
		require.NoError(t, err, forms[0])
		m, err := wasm.Decode(first, wasm.FeaturesV2)
		require.NoError(t, err, forms[0])
		require.NoError(t, validate.Validate(m, wasm.FeaturesV2), forms[0])
		for _, f := range forms[1:] {
			got, err := Parse([]byte(f), wasm.FeaturesV2)
			require.NoError(t, err, f)
			got = stripNames(got)
			require.Equal(t, hex.EncodeToString(first), hex.EncodeToString(got), "%s\nvs\n%s", forms[0], f)
		}
	}
}
