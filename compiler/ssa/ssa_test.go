package ssa

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Every file in testdata/valid is in canonical form: it parses, verifies,
// and prints back to exactly its own text, and so round-trips.
func TestValidRoundTrip(t *testing.T) {
	files, err := filepath.Glob("testdata/valid/*.ssa")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			text, err := os.ReadFile(file)
			require.NoError(t, err)
			f, err := Parse(string(text))
			require.NoError(t, err)
			require.NoError(t, Verify(f))
			out := f.String()
			require.Equal(t, string(text), out)
			g, err := Parse(out)
			require.NoError(t, err)
			require.Equal(t, out, g.String())
		})
	}
}

// Every file in testdata/invalid starts with "; error: MSG" and must fail
// to parse or verify with an error containing MSG.
func TestInvalid(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.ssa")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			text, err := os.ReadFile(file)
			require.NoError(t, err)
			first, _, _ := strings.Cut(string(text), "\n")
			want, ok := strings.CutPrefix(first, "; error: ")
			require.True(t, ok, "first line must be \"; error: ...\"")
			f, err := Parse(string(text))
			if err == nil {
				err = Verify(f)
			}
			require.Error(t, err)
			require.Contains(t, err.Error(), want)
		})
	}
}
