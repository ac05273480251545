package difftest

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/compiler/validate"
	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// TestGenerateValid checks that the generator makes valid modules, and
// the same module for the same seed.
func TestGenerateValid(t *testing.T) {
	for seed := range uint64(2000) {
		bin := Generate(seed)
		m, err := wasm.Decode(bin, Features)
		require.NoError(t, err, "seed %d", seed)
		require.NoError(t, validate.Validate(m, Features), "seed %d", seed)
		require.Equal(t, bin, Generate(seed), "seed %d", seed)
	}
}
