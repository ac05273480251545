package ssa

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that any text either fails to parse or verify with an
// error, or, when valid, round-trips through the printer.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"testdata/valid", "testdata/invalid"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.ssa"))
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(string(b))
			}
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		fn, err := Parse(text)
		if err != nil {
			return
		}
		if Verify(fn) != nil {
			return
		}
		out := fn.String()
		g, err := Parse(out)
		if err != nil {
			t.Fatalf("printed text does not parse: %v\n%s", err, out)
		}
		if err := Verify(g); err != nil {
			t.Fatalf("printed text does not verify: %v\n%s", err, out)
		}
		if again := g.String(); again != out {
			t.Fatalf("round trip differs:\n%s\n---\n%s", out, again)
		}
	})
}
