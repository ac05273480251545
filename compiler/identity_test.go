package compiler

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// The identity check guards refactorings that must not change generated
// code: record the digests of a corpus' artifacts before the change with
//
//	go test ./compiler -run TestArtifactIdentity -identity.write /tmp/before.txt
//
// and compare after it with -identity.check /tmp/before.txt. The corpus is
// every .wasm file in the repository and the spec suite's modules in the
// module cache; the artifacts' version fields are cleared before hashing, so
// a version bump alone is not a difference. Without flags the test checks
// that compiling the corpus twice gives the same bytes.
var (
	identityWrite = flag.String("identity.write", "", "write the corpus' artifact digests to this file")
	identityCheck = flag.String("identity.check", "", "compare the corpus' artifact digests with this file")
)

func TestArtifactIdentity(t *testing.T) {
	files := identityCorpus(t, *identityWrite != "" || *identityCheck != "")
	digests := map[string]string{}
	var names []string
	for _, f := range files {
		b, err := os.ReadFile(f.path)
		require.NoError(t, err)
		d := artifactDigest(b)
		if *identityWrite == "" && *identityCheck == "" {
			require.Equal(t, d, artifactDigest(b), f.name)
		}
		digests[f.name] = d
		names = append(names, f.name)
	}
	switch {
	case *identityWrite != "":
		var sb strings.Builder
		for _, n := range names {
			fmt.Fprintf(&sb, "%s %s\n", n, digests[n])
		}
		require.NoError(t, os.WriteFile(*identityWrite, []byte(sb.String()), 0o644))
		t.Logf("%d digests written to %s", len(names), *identityWrite)
	case *identityCheck != "":
		fh, err := os.Open(*identityCheck)
		require.NoError(t, err)
		defer fh.Close()
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		same, n := 0, 0
		for sc.Scan() {
			name, want, _ := strings.Cut(sc.Text(), " ")
			got, ok := digests[name]
			n++
			switch {
			case !ok:
				t.Errorf("%s: in %s but not in the corpus", name, *identityCheck)
			case got != want:
				t.Errorf("%s: artifact changed:\n\twas %s\n\tnow %s", name, want, got)
			default:
				same++
			}
		}
		require.NoError(t, sc.Err())
		require.Equal(t, len(digests), n, "corpus size differs from %s", *identityCheck)
		t.Logf("%d of %d artifacts identical", same, n)
	}
}

type corpusFile struct{ name, path string }

// identityCorpus lists the repository's .wasm files and, if all is set, the
// spec suite's.
func identityCorpus(t *testing.T, all bool) []corpusFile {
	var files []corpusFile
	walk := func(prefix, root string) {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(p, ".wasm") {
				rel, _ := filepath.Rel(root, p)
				files = append(files, corpusFile{prefix + filepath.ToSlash(rel), p})
			}
			return nil
		})
		require.NoError(t, err)
	}
	walk("repo/", "..")
	if all {
		out, err := exec.Command("go", "env", "GOMODCACHE").Output()
		require.NoError(t, err)
		dir := filepath.Join(strings.TrimSpace(string(out)), "github.com/tetratelabs/wazero@v1.12.0/internal/integration_test/spectest")
		if _, err := os.Stat(dir); err == nil {
			walk("spec/", dir)
		}
	}
	slices.SortFunc(files, func(a, b corpusFile) int { return strings.Compare(a.name, b.name) })
	return files
}

// artifactDigest compiles b and returns the digests of its text and of the
// whole artifact with the version fields cleared, or the error.
func artifactDigest(b []byte) string {
	a, err := CompileArtifact(b, DefaultOptions())
	if err != nil {
		return "error:" + strings.ReplaceAll(err.Error(), " ", "_")
	}
	text := sha256.Sum256(a.Text)
	a.Header.ABIVersion = 0
	a.Header.CompilerVersion = ""
	out, err := artifact.Marshal(a)
	if err != nil {
		return "marshal-error:" + strings.ReplaceAll(err.Error(), " ", "_")
	}
	all := sha256.Sum256(out)
	return hex.EncodeToString(text[:8]) + " " + hex.EncodeToString(all[:8])
}
