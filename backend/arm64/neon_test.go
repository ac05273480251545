package arm64

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/compiler/ssa"
	"golang.org/x/arch/arm64/arm64asm"
)

// TestNEONTables disassembles every one-instruction SIMD selection with
// registers v0 (Rd), v1 (Rn) and v2 (Rm, for two sources): the mnemonic and the
// destination's arrangement must be the ones the text form names.
func TestNEONTables(t *testing.T) {
	aliases := map[string]string{"not": "mvn"}
	n := 0
	for _, m := range []map[ssa.Op]vinstr{vbin, vun, vswapped, vnegated} {
		for op, vi := range m {
			w := vi.enc | 1<<5
			if _, unary := vun[op]; !unary {
				w |= 2 << 16
			}
			var b [4]byte
			binary.LittleEndian.PutUint32(b[:], w)
			inst, err := arm64asm.Decode(b[:])
			require.NoError(t, err, "%v: %s %#08x", op, vi.name, w)
			text := arm64asm.GNUSyntax(inst)
			name, arr, _ := strings.Cut(vi.name, ".")
			if a, ok := aliases[name]; ok {
				name = a
			}
			require.True(t, strings.HasPrefix(text, name+" "), "%v: %s encodes %q", op, vi.name, text)
			require.Contains(t, text, " v0."+arr, "%v: %s encodes %q", op, vi.name, text)
			n++
		}
	}
	require.Greater(t, n, 150)
}
