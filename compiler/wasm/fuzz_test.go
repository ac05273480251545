package wasm

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// specWasmFiles lists the spec suite's binary modules shipped with wazero.
func specWasmFiles(tb testing.TB) []string {
	tb.Helper()
	out, err := exec.Command("go", "mod", "download", "-json", "github.com/tetratelabs/wazero@v1.12.0").Output()
	require.NoError(tb, err, "locating the wazero module")
	var mod struct{ Dir string }
	require.NoError(tb, json.Unmarshal(out, &mod))
	files, err := filepath.Glob(filepath.Join(mod.Dir, "internal", "integration_test", "spectest", "*", "testdata", "*.wasm"))
	require.NoError(tb, err)
	require.NotEmpty(tb, files)
	return files
}

func FuzzDecode(f *testing.F) {
	for _, path := range specWasmFiles(f) {
		b, err := os.ReadFile(path)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, feat := range []Features{FeaturesV1, allFeatures} {
			m, err := Decode(b, feat)
			if err != nil {
				var e *Error
				require.ErrorAs(t, err, &e)
				require.GreaterOrEqual(t, e.Offset, 0)
				require.LessOrEqual(t, e.Offset, len(b))
				continue
			}
			var ins Instr
			for i := range m.Code {
				c := &m.Code[i]
				require.Equal(t, c.Body, b[c.Start:c.End])
				r := NewReader(c.Body, c.Start, feat)
				for r.Next(&ins) == nil {
					require.Less(t, ins.Offset, c.End)
				}
			}
			for i := range m.Data {
				d := &m.Data[i]
				require.Equal(t, d.Init, b[d.InitOffset:d.InitOffset+len(d.Init)])
			}
			for i := 0; i < m.NumFuncs()+1; i++ {
				m.FuncType(uint32(i))
				m.FuncName(uint32(i))
			}
		}
	})
}
