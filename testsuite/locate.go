package testsuite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

// The official WebAssembly spec suite, converted to JSON by wast2json, ships inside the wazero
// module. It is read from the module cache, never vendored into this repository.
const (
	corpusModule  = "github.com/tetratelabs/wazero"
	corpusVersion = "v1.12.0"
	corpusSubdir  = "internal/integration_test/spectest"
)

var (
	corpusOnce sync.Once
	corpusDir  string
	corpusErr  error
)

// CorpusDir returns the directory holding the spec suites (v1, v2, tail-call, ...). It asks the
// go command to download the pinned wazero module and uses the directory it reports, so a fresh
// module cache works too. WASIAOT_SPECTEST_DIR overrides it.
func CorpusDir() (string, error) {
	corpusOnce.Do(func() {
		if d := os.Getenv("WASIAOT_SPECTEST_DIR"); d != "" {
			corpusDir = d
			return
		}
		cmd := exec.Command("go", "mod", "download", "-json", corpusModule+"@"+corpusVersion)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			corpusErr = fmt.Errorf("locating the spec suite: go mod download %s@%s: %v: %s",
				corpusModule, corpusVersion, err, bytes.TrimSpace(stderr.Bytes()))
			return
		}
		var info struct{ Dir, Error string }
		if err := json.Unmarshal(out, &info); err != nil {
			corpusErr = fmt.Errorf("locating the spec suite: reading go mod download output: %v", err)
			return
		}
		if info.Dir == "" {
			corpusErr = fmt.Errorf("locating the spec suite: go mod download reported no directory: %s", info.Error)
			return
		}
		corpusDir = filepath.Join(info.Dir, corpusSubdir)
	})
	return corpusDir, corpusErr
}

// SuiteDir returns the testdata directory of one suite, e.g. "v2" or "tail-call".
func SuiteDir(suite string) (string, error) {
	root, err := CorpusDir()
	if err != nil {
		return "", err
	}
	d := filepath.Join(root, suite, "testdata")
	if _, err := os.Stat(d); err != nil {
		return "", fmt.Errorf("spec suite %q: %w", suite, err)
	}
	return d, nil
}
