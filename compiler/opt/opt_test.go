package opt

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/compiler/ssa"
)

var update = flag.Bool("update", false, "rewrite the expectations in testdata/*.ssa")

const expectMarker = "; expect:\n"

// TestFiles runs the file tests in testdata. Each file holds
//
//	; pass: NAME [NAME...]     (or "pipeline" for level 1, "pipeline2")
//	input function
//	; expect:
//	expected function
//
// The named passes run in order on the input; the function must verify
// after each one and print as the expected text. With -update the
// expectations are rewritten instead.
func TestFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/*.ssa")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".ssa"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			text := string(data)
			first, _, _ := strings.Cut(text, "\n")
			names, ok := strings.CutPrefix(first, "; pass: ")
			require.True(t, ok, "first line must be \"; pass: NAME...\"")
			input, want, ok := strings.Cut(text, expectMarker)
			require.True(t, ok || *update, "missing %q", expectMarker)

			f, err := ssa.Parse(input)
			require.NoError(t, err)
			require.NoError(t, ssa.Verify(f), "input does not verify")
			for _, name := range strings.Fields(names) {
				if level, ok := pipelineLevels[name]; ok {
					Pipeline(f, level, func(pass string, f *ssa.Func) {
						require.NoError(t, ssa.Verify(f), "after %s:\n%s", pass, f)
					})
					continue
				}
				p, ok := Lookup(name)
				require.True(t, ok, "unknown pass %q", name)
				p.Run(f)
				require.NoError(t, ssa.Verify(f), "after %s:\n%s", name, f)
			}
			got := f.String()
			if *update {
				out := input
				if !strings.HasSuffix(out, "\n") {
					out += "\n"
				}
				require.NoError(t, os.WriteFile(file, []byte(out+expectMarker+got), 0o644))
				return
			}
			require.Equal(t, want, got)
		})
	}
}

var pipelineLevels = map[string]int{"pipeline": 1, "pipeline2": 2}

func TestPipelineHook(t *testing.T) {
	f, err := ssa.Parse(`func f() -> i32 {
b0:
  v0:i32 = i32.const 2
  v1:i32 = i32.const 3
  v2:i32 = i32.mul v0, v1
  return v2
}
`)
	require.NoError(t, err)
	var passes []string
	Pipeline(f, 1, func(pass string, f *ssa.Func) { passes = append(passes, pass) })
	// One round changes something, the next finds nothing more.
	round := []string{"constfold", "simplify", "copyprop", "dce", "cfg", "copyprop"}
	require.Equal(t, append(append([]string{"copyprop"}, round...), round...), passes)
	require.Contains(t, f.String(), "v2:i32 = i32.const 6")

	g, err := ssa.Parse(f.String())
	require.NoError(t, err)
	Pipeline(g, 0, func(string, *ssa.Func) { t.Fatal("level 0 runs no pass") })
}
