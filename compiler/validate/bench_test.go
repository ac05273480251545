package validate

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// benchModule returns the bytes of a large real module: $WASIAOT_BENCH_WASM,
// or testdata/benchprog built for wasip1.
func benchModule(b *testing.B) []byte {
	if path := os.Getenv("WASIAOT_BENCH_WASM"); path != "" {
		data, err := os.ReadFile(path)
		require.NoError(b, err)
		return data
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		b.Skip("the go tool is needed to build the benchmark module")
	}
	out := filepath.Join(b.TempDir(), "big.wasm")
	cmd := exec.Command(goTool, "build", "-o", out, ".")
	cmd.Dir = filepath.Join("testdata", "benchprog")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	msg, err := cmd.CombinedOutput()
	require.NoError(b, err, "%s", msg)
	data, err := os.ReadFile(out)
	require.NoError(b, err)
	return data
}

func BenchmarkDecodeValidate(b *testing.B) {
	data := benchModule(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		m, err := wasm.Decode(data, wasm.FeaturesV2)
		if err != nil {
			b.Fatal(err)
		}
		if err := Validate(m, wasm.FeaturesV2); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	data := benchModule(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := wasm.Decode(data, wasm.FeaturesV2); err != nil {
			b.Fatal(err)
		}
	}
}
