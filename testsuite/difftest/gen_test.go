package difftest

import (
	"runtime"
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

// TestGenerateSIMD checks that the generator draws every SIMD
// instruction, in part of the modules only.
func TestGenerateSIMD(t *testing.T) {
	seen := map[wasm.Opcode]bool{}
	simdModules := 0
	const n = 1000
	for seed := range uint64(n) {
		m, err := wasm.Decode(Generate(seed), Features)
		require.NoError(t, err)
		uses := false
		var ins wasm.Instr
		for _, c := range m.Code {
			r := wasm.NewReader(c.Body, c.Start, Features)
			for r.Next(&ins) == nil {
				if ins.Op>>16 == 0xfd {
					seen[ins.Op], uses = true, true
				}
			}
		}
		if uses {
			simdModules++
		}
	}
	for _, ops := range simdOps {
		for _, info := range ops {
			require.True(t, seen[info.Op], "%s never generated", info.Name)
		}
	}
	require.Greater(t, simdModules, n/5)
	require.Less(t, simdModules, n/2)
}

// TestSIMDProbe checks the probe the campaign uses to learn whether this
// host compiles vector code, and the test for vector modules.
func TestSIMDProbe(t *testing.T) {
	m, err := wasm.Decode(simdProbe, Features)
	require.NoError(t, err)
	require.NoError(t, validate.Validate(m, Features))
	require.True(t, usesSIMD(simdProbe))
	vector := 0
	for seed := range uint64(30) {
		if usesSIMD(Generate(seed)) {
			vector++
		}
	}
	require.Greater(t, vector, 0)
	require.Less(t, vector, 30)
	if runtime.GOARCH == "amd64" {
		require.Equal(t, "", simdUnsupported())
	}
	t.Logf("vector code on %s: %q", runtime.GOARCH, simdUnsupported())
}

// TestVectorNaNs checks the test for float vector ops whose NaN bits are
// open (f32x4.add of NaN lanes: x86 keeps the first operand's payload,
// wazero the second's).
func TestVectorNaNs(t *testing.T) {
	require.False(t, vectorNaNs(simdProbe))
	require.True(t, vectorNaNs(Generate(5)) || vectorNaNs(Generate(8)) || vectorNaNs(Generate(11)) || vectorNaNs(Generate(14)))
	require.Equal(t, "f32x4", nanShape("f32x4.add"))
	require.Equal(t, "f64x2", nanShape("f64x2.promote_low_f32x4"))
	require.Equal(t, "", nanShape("f32x4.abs"))
	require.Equal(t, "", nanShape("i32x4.trunc_sat_f32x4_s"))
}
