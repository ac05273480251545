package opt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasiaot/wasiaot/compiler/ssa"
)

func seedInputs(tb testing.TB) []string {
	var out []string
	for _, pattern := range []string{"testdata/*.ssa", "../ssa/testdata/valid/*.ssa"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				tb.Fatal(err)
			}
			in, _, _ := strings.Cut(string(b), expectMarker)
			out = append(out, in)
		}
	}
	return out
}

// checkPipeline runs the pipeline on a valid function, verifying after
// every pass, and checks that a second run finds nothing left to do.
func checkPipeline(t *testing.T, text string) {
	for level := 1; level <= 2; level++ {
		checkPipelineLevel(t, text, level)
	}
}

func checkPipelineLevel(t *testing.T, text string, level int) {
	f, err := ssa.Parse(text)
	if err != nil || ssa.Verify(f) != nil {
		return
	}
	Pipeline(f, level, func(pass string, f *ssa.Func) {
		if err := ssa.Verify(f); err != nil {
			t.Fatalf("after %s: %v\n%s", pass, err, f)
		}
	})
	once := f.String()
	g, err := ssa.Parse(once)
	if err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, once)
	}
	Pipeline(g, level, nil)
	if twice := g.String(); twice != once {
		t.Fatalf("pipeline level %d is not at a fixed point:\n%s\n---\n%s", level, once, twice)
	}
}

func TestPipelineOnAllInputs(t *testing.T) {
	inputs := seedInputs(t)
	if len(inputs) < 25 {
		t.Fatalf("only %d inputs", len(inputs))
	}
	for _, in := range inputs {
		checkPipeline(t, in)
	}
}

// FuzzPipeline checks that the passes keep any valid function valid.
func FuzzPipeline(f *testing.F) {
	for _, in := range seedInputs(f) {
		f.Add(in)
	}
	f.Fuzz(checkPipeline)
}
