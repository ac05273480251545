package testsuite

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/compiler"
	"github.com/wasiaot/wasiaot/runtime"
	"github.com/wasiaot/wasiaot/wasi"
)

var (
	goStd          = flag.Bool("gostd", false, "run Go standard-library test binaries (GOOS=wasip1) under wasiaot (make test does)")
	goStdPkgs      = flag.String("gostd.pkgs", "", "comma-separated standard-library packages to run instead of the whole list")
	goStdArtifacts = flag.String("gostd.artifacts", "", "directory of artifacts compiled beforehand (pkg with / as _, then .so), e.g. cross-compiled with wasiaot build --target")
)

// goStdPackages are the standard-library packages whose tests must pass under wasiaot.
var goStdPackages = []string{
	"strings", "strconv", "bytes", "sort", "math", "encoding/json", "encoding/base64",
	"compress/flate", "crypto/sha256", "regexp", "bufio", "fmt", "os", "io/fs",
	"path/filepath", "time", "text/template", "container/heap", "hash/crc32",
}

// TestGoStdlib builds each package's test binary for wasip1 with the go command, compiles it to
// an artifact, and runs it with -test.short the way Go's own wasip1 runner does: the host root
// preopened as "/", PWD set to the package's source directory.
func TestGoStdlib(t *testing.T) {
	if !*goStd {
		t.Skip("run with -gostd (make test does)")
	}
	goroot := strings.TrimSpace(goEnv(t, "GOROOT"))
	work := t.TempDir()
	pkgs := goStdPackages
	if *goStdPkgs != "" {
		pkgs = strings.Split(*goStdPkgs, ",")
	}
	for _, pkg := range pkgs {
		t.Run(pkg, func(t *testing.T) {
			bin := filepath.Join(work, strings.ReplaceAll(pkg, "/", "_")+".wasm")
			var art []byte
			var compiled time.Duration
			if *goStdArtifacts != "" {
				// Compiled on another machine (or for another target on this one): load as is.
				var err error
				art, err = os.ReadFile(filepath.Join(*goStdArtifacts, strings.ReplaceAll(pkg, "/", "_")+".so"))
				require.NoError(t, err)
			} else {
				cmd := exec.Command("go", "test", "-c", "-o", bin, pkg)
				cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
				out, err := cmd.CombinedOutput()
				require.NoError(t, err, "go test -c %s: %s", pkg, out)
				src, err := os.ReadFile(bin)
				require.NoError(t, err)
				start := time.Now()
				art, err = compiler.Compile(src, compiler.DefaultOptions())
				require.NoError(t, err)
				compiled = time.Since(start)
			}

			dir := filepath.Join(goroot, "src", pkg)
			var stdout, stderr bytes.Buffer
			start := time.Now()
			code, err := runWASI(art, wasi.Config{
				Args:     []string{filepath.Base(bin), "-test.short"},
				Env:      []string{"PWD=" + dir, "HOME=" + work, "TMPDIR=" + t.TempDir()},
				Stdout:   &stdout,
				Stderr:   &stderr,
				Preopens: []wasi.Preopen{{HostPath: "/", GuestPath: "/"}},
			})
			ran := time.Since(start)
			t.Logf("%s: %d bytes of artifact, compiled in %v, ran in %v", pkg, len(art), compiled.Round(time.Millisecond), ran.Round(time.Millisecond))
			require.NoError(t, err, "stdout:\n%s\nstderr:\n%s", tail(stdout.String()), tail(stderr.String()))
			require.Zero(t, code, "stdout:\n%s\nstderr:\n%s", tail(stdout.String()), tail(stderr.String()))
			require.Contains(t, stdout.String(), "PASS")
		})
	}
}

// runWASI runs a WASI command artifact and returns its exit status.
func runWASI(art []byte, cfg wasi.Config) (uint32, error) {
	rt := runtime.New(runtime.Config{})
	defer rt.Close()
	mod, err := rt.Load(art)
	if err != nil {
		return 0, err
	}
	defer mod.Close()
	host, err := wasi.New(cfg)
	if err != nil {
		return 0, err
	}
	defer host.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	inst, err := mod.Instantiate(ctx, host.Imports())
	if err != nil {
		return 0, err
	}
	defer inst.Close()
	_, err = inst.ExportedFunction("_start").Call(ctx)
	var exit *wasi.ExitError
	if errors.As(err, &exit) {
		return exit.Code, nil
	}
	return 0, err
}

func goEnv(t *testing.T, name string) string {
	out, err := exec.Command("go", "env", name).Output()
	require.NoError(t, err)
	return string(out)
}

func tail(s string) string {
	const n = 4000
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
