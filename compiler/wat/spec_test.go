package wat_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/compiler/validate"
	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/compiler/wat"
	"github.com/wasiaot/wasiaot/testsuite"
)

type specCommand struct {
	Type       string `json:"type"`
	Line       int    `json:"line"`
	Filename   string `json:"filename"`
	Text       string `json:"text"`
	ModuleType string `json:"module_type"`
}

// specScripts lists the wast2json command files of a suite.
func specScripts(t *testing.T, suite string) (string, []string) {
	dir, err := testsuite.SuiteDir(suite)
	require.NoError(t, err)
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	sort.Strings(files)
	return dir, files
}

func loadCommands(t *testing.T, path string) []specCommand {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var script struct{ Commands []specCommand }
	require.NoError(t, json.Unmarshal(b, &script), path)
	return script.Commands
}

func check(bin []byte, f wasm.Features) error {
	m, err := wasm.Decode(bin, f)
	if err != nil {
		return err
	}
	return validate.Validate(m, f)
}

// TestSpecTextRejected parses every text-format module of the assertions
// and requires it to be rejected: by the parser for assert_malformed, by
// the parser or the validator for assert_invalid.
func TestSpecTextRejected(t *testing.T) {
	total, matched := 0, 0
	for _, s := range testsuite.Suites {
		suiteTotal, suiteMatched := total, matched
		dir, files := specScripts(t, s.Name)
		for _, file := range files {
			for _, c := range loadCommands(t, file) {
				if c.ModuleType != "text" {
					continue
				}
				total++
				where := fmt.Sprintf("%s/%s:%d", s.Name, filepath.Base(file), c.Line)
				src, err := os.ReadFile(filepath.Join(dir, c.Filename))
				require.NoError(t, err)
				bin, err := wat.Parse(src, s.Features)
				if err == nil && c.Type == "assert_invalid" {
					err = check(bin, s.Features)
				}
				if err == nil {
					t.Errorf("%s: %s %s accepted, want %q", where, c.Type, c.Filename, c.Text)
					continue
				}
				if strings.Contains(err.Error(), c.Text) {
					matched++
				} else if testing.Verbose() {
					t.Logf("%s: message %q, want %q: %.200s", where, err, c.Text, src)
				}
			}
		}
		t.Logf("%s: %d text-format assertions rejected, %d with the expected message",
			s.Name, total-suiteTotal, matched-suiteMatched)
	}
	t.Logf("text-format assertions: %d rejected, %d (%.1f%%) with the expected message",
		total, matched, 100*float64(matched)/float64(total))
	require.Greater(t, total, 1500)
	// The wording follows the reference interpreter; guard against regressions.
	require.Greater(t, matched, total*4/5)
}

// knownDifferences are modules whose encoding differs from wast2json's on
// purpose, with the reason.
var knownDifferences = map[string]string{
	// (select (result) ...) has an empty result list: it is encoded as the
	// typed select with zero types, which the validator rejects with
	// "invalid result arity" as the script expects; wast2json writes the
	// untyped select instead.
	"v2/select.wast:324": "typed select with an empty type list",
}

// TestSpecModules parses every module form of the .wast sources and
// compares the result with the binary wast2json wrote for the command.
func TestSpecModules(t *testing.T) {
	total, same := 0, 0
	seen := map[string]bool{}
	for _, s := range testsuite.Suites {
		dir, files := specScripts(t, s.Name)
		for _, file := range files {
			var cmds []specCommand
			for _, c := range loadCommands(t, file) {
				if c.Filename != "" {
					cmds = append(cmds, c)
				}
			}
			wast := strings.TrimSuffix(file, ".json") + ".wast"
			src, err := os.ReadFile(wast)
			require.NoError(t, err)
			mods, err := wat.ScriptModules(src)
			require.NoError(t, err, wast)
			require.Len(t, mods, len(cmds), wast)
			for i, c := range cmds {
				mod := mods[i]
				where := fmt.Sprintf("%s/%s:%d", s.Name, filepath.Base(wast), mod.Line)
				if c.Line != 0 { // wast2json writes 0 for quoted modules
					require.Equal(t, c.Line, mod.Line, where)
				}
				if c.ModuleType == "text" {
					continue // TestSpecTextRejected
				}
				want, err := os.ReadFile(filepath.Join(dir, c.Filename))
				require.NoError(t, err)
				total++
				got, err := wat.Parse(mod.Text, s.Features)
				if err != nil {
					t.Errorf("%s: %s: %v", where, c.Type, err)
					continue
				}
				if bytes.Equal(got, want) {
					same++
					continue
				}
				if reason, ok := knownDifferences[where]; ok {
					seen[where] = true
					// Still a well-formed module.
					_, err := wasm.Decode(got, s.Features)
					require.NoError(t, err, "%s (%s)", where, reason)
					continue
				}
				t.Errorf("%s: %s: %s", where, c.Type, describeDiff(got, want))
			}
		}
	}
	for where := range knownDifferences {
		require.True(t, seen[where], "%s no longer differs: remove it from knownDifferences", where)
	}
	t.Logf("modules: %d of %d byte-identical to wast2json, %d known differences", same, total, len(seen))
	require.Greater(t, total, 7000)
}

// describeDiff names the first section whose bytes differ.
func describeDiff(got, want []byte) string {
	gs, ws := wat.Sections(got), wat.Sections(want)
	for i := 0; i < len(gs) || i < len(ws); i++ {
		var g, w []byte
		if i < len(gs) {
			g = gs[i]
		}
		if i < len(ws) {
			w = ws[i]
		}
		if !bytes.Equal(g, w) {
			return fmt.Sprintf("section #%d differs:\n got %x\nwant %x", i, clip(g), clip(w))
		}
	}
	return "differs"
}

func clip(b []byte) []byte {
	if len(b) > 120 {
		return b[:120]
	}
	return b
}
