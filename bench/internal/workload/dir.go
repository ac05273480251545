package workload

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// FindBenchDir returns the bench module's directory: dir if given, else the
// working directory or its bench/ subdirectory, whichever holds the module.
func FindBenchDir(dir string) (string, error) {
	var candidates []string
	if dir != "" {
		candidates = []string{dir}
	} else {
		wd, err := os.Getwd()
		if err != nil {
			return "", err
		}
		candidates = []string{wd, filepath.Join(wd, "bench")}
	}
	for _, c := range candidates {
		b, err := os.ReadFile(filepath.Join(c, "go.mod"))
		if err == nil && strings.Contains(string(b), "module github.com/wasiaot/wasiaot/bench\n") {
			return filepath.Abs(c)
		}
	}
	return "", fmt.Errorf("bench module not found in %s (use -dir)", strings.Join(candidates, " or "))
}

// SplitList splits a comma-separated flag value, dropping empty items.
func SplitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
