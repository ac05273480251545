package validate

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/compiler/wasm"
)

const allFeatures = wasm.FeaturesV2 | wasm.FeatureTailCall | wasm.FeatureExtendedConst

func FuzzValidate(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(spectestDir(f), "*", "testdata", "*.wasm"))
	require.NoError(f, err)
	require.NotEmpty(f, files)
	for _, path := range files {
		b, err := os.ReadFile(path)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, feat := range []wasm.Features{wasm.FeaturesV1, allFeatures} {
			m, err := wasm.Decode(b, feat)
			if err != nil {
				continue
			}
			info, err := ValidateInfo(m, feat)
			if err != nil {
				var e *wasm.Error
				require.ErrorAs(t, err, &e)
				require.LessOrEqual(t, e.Offset, len(b))
				continue
			}
			require.Len(t, info.Funcs, len(m.Code))
			for _, fi := range info.Funcs {
				require.GreaterOrEqual(t, fi.MaxControl, 1)
			}
		}
	})
}
