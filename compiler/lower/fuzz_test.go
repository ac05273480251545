package lower

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/compiler/validate"
	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// Whatever passes validation lowers to verified SSA, or fails with a
// not-supported error; nothing panics.
func FuzzLower(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.wasm")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := wasm.Decode(data, testFeatures)
		if err != nil || validate.Validate(m, testFeatures) != nil {
			return
		}
		l := NewLowerer(m, Options{})
		for i := range m.Functions {
			idx := uint32(m.NumImportedFuncs() + i)
			fn, err := l.Lower(idx)
			if err != nil {
				var le *Error
				if !errors.As(err, &le) || !le.NotSupported {
					t.Fatalf("function %d: %v", idx, err)
				}
				continue
			}
			if err := ssa.Verify(fn); err != nil {
				t.Fatalf("function %d: %v\n%s", idx, err, fn)
			}
		}
	})
}
