package validate

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// spectestDir locates wazero's copy of the spec suite (wast2json output) in the module cache.
func spectestDir(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "mod", "download", "-json", "github.com/tetratelabs/wazero@v1.12.0").Output()
	require.NoError(t, err, "locating the wazero module")
	var mod struct{ Dir string }
	require.NoError(t, json.Unmarshal(out, &mod))
	require.NotEmpty(t, mod.Dir)
	return filepath.Join(mod.Dir, "internal", "integration_test", "spectest")
}

// renamed maps messages of older spec versions to the current wording.
var renamed = map[string]string{
	"invalid UTF-8 encoding": "malformed UTF-8 encoding",
	"zero flag expected":     "zero byte expected",
	"invalid mutability":     "malformed mutability",
	"invalid value type":     "malformed value type",
	"invalid section id":     "malformed section id",
}

type specCommand struct {
	Type       string `json:"type"`
	Line       int    `json:"line"`
	Filename   string `json:"filename"`
	Text       string `json:"text"`
	ModuleType string `json:"module_type"`
}

type specFile struct {
	Commands []specCommand `json:"commands"`
}

type specCounts struct {
	valid, invalid, malformed, failed, skippedText int
	textMatch                                      int // rejections whose message contains the suite's text
}

func check(m []byte, f wasm.Features) error {
	mod, err := wasm.Decode(m, f)
	if err != nil {
		return err
	}
	return Validate(mod, f)
}

// runSpecFile checks every binary module command of one wast2json file.
func runSpecFile(t *testing.T, path string, f wasm.Features) (c specCounts, failures, mismatches []string) {
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var sf specFile
	require.NoError(t, json.Unmarshal(raw, &sf))
	dir := filepath.Dir(path)
	for _, cmd := range sf.Commands {
		if cmd.Filename == "" {
			continue
		}
		binary := strings.HasSuffix(cmd.Filename, ".wasm") && cmd.ModuleType != "text"
		switch cmd.Type {
		case "module", "assert_unlinkable", "assert_uninstantiable":
			if !binary {
				c.skippedText++
				continue
			}
			b, err := os.ReadFile(filepath.Join(dir, cmd.Filename))
			require.NoError(t, err)
			c.valid++
			if err := check(b, f); err != nil {
				c.failed++
				failures = append(failures, cmd.Filename+": valid module rejected: "+err.Error())
			}
		case "assert_invalid", "assert_malformed":
			if !binary {
				c.skippedText++
				continue
			}
			b, err := os.ReadFile(filepath.Join(dir, cmd.Filename))
			require.NoError(t, err)
			if cmd.Type == "assert_invalid" {
				c.invalid++
			} else {
				c.malformed++
			}
			err = check(b, f)
			if err == nil {
				c.failed++
				failures = append(failures, cmd.Filename+": accepted, want "+cmd.Type+" "+cmd.Text)
				continue
			}
			var werr *wasm.Error
			require.ErrorAs(t, err, &werr, "errors must be *wasm.Error")
			want := cmd.Text
			if r, ok := renamed[want]; ok {
				want = r
			}
			if strings.Contains(werr.Msg, want) {
				c.textMatch++
			} else {
				mismatches = append(mismatches, fmt.Sprintf("%s: want %q, got %q", cmd.Filename, cmd.Text, werr.Msg))
			}
		}
	}
	return c, failures, mismatches
}

func TestSpec(t *testing.T) {
	root := spectestDir(t)
	suites := []struct {
		name string
		f    wasm.Features
	}{
		{"v1", wasm.FeaturesV1},
		{"v2", wasm.FeaturesV2},
		{"tail-call", wasm.FeaturesV2 | wasm.FeatureTailCall},
		{"extended-const", wasm.FeaturesV2 | wasm.FeatureExtendedConst},
	}
	// Rejections whose message differs from the suite's text are listed in
	// testdata/spec_message_mismatches.txt, so changes in wording show up in
	// review. WASIAOT_UPDATE=1 rewrites the list.
	var mismatches []string
	for _, s := range suites {
		t.Run(s.name, func(t *testing.T) {
			files, err := filepath.Glob(filepath.Join(root, s.name, "testdata", "*.json"))
			require.NoError(t, err)
			require.NotEmpty(t, files)
			sort.Strings(files)
			var total specCounts
			for _, file := range files {
				c, failures, mism := runSpecFile(t, file, s.f)
				for _, msg := range failures {
					t.Errorf("%s: %s", filepath.Base(file), msg)
				}
				for _, msg := range mism {
					mismatches = append(mismatches, s.name+"/"+msg)
				}
				total.valid += c.valid
				total.invalid += c.invalid
				total.malformed += c.malformed
				total.failed += c.failed
				total.skippedText += c.skippedText
				total.textMatch += c.textMatch
			}
			t.Logf("%s: %d files, %d valid modules, %d assert_invalid, %d binary assert_malformed, %d failed, %d text modules skipped; %d of %d rejections carry the suite's message",
				s.name, len(files), total.valid, total.invalid, total.malformed, total.failed, total.skippedText,
				total.textMatch, total.invalid+total.malformed)
		})
	}
	const golden = "testdata/spec_message_mismatches.txt"
	got := strings.Join(mismatches, "\n") + "\n"
	if os.Getenv("WASIAOT_UPDATE") != "" {
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	require.Equal(t, string(want), got, "rejection messages changed; rerun with WASIAOT_UPDATE=1 if intended")
}
