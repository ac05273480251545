package validate

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// manyFuncs builds a module of n functions [] -> [] whose bodies are all
// valid but those at the indices in bad (an i32.add on an empty stack).
func manyFuncs(n int, bad ...int) []byte {
	isBad := map[int]bool{}
	for _, i := range bad {
		isBad[i] = true
	}
	funcs := append(leb(uint32(n)), make([]byte, n)...) // all of type 0
	var codes []byte
	for i := range n {
		body := []byte{0, 0x01, 0x01, 0x0b} // no locals; nop nop end
		if isBad[i] {
			body = []byte{0, 0x6a, 0x0b}
		}
		codes = append(append(codes, leb(uint32(len(body)))...), body...)
	}
	return module(
		section(1, []byte{1, 0x60, 0, 0}),
		section(3, funcs),
		section(10, leb(uint32(n)), codes),
	)
}

// Validation on several goroutines reports what validation on one does:
// the first failing function's error, wherever the failures are.
func TestParallelFirstError(t *testing.T) {
	defer func(v int) { parallelFrom = v }(parallelFrom)
	for _, bad := range [][]int{nil, {1999}, {700, 701}, {1500, 3}, {0}, {64, 63, 1000}} {
		data := manyFuncs(2000, bad...)
		parallelFrom = 1 << 30
		m, err := wasm.Decode(data, wasm.FeaturesV2)
		require.NoError(t, err)
		serial := Validate(m, wasm.FeaturesV2)
		parallelFrom = 0
		for range 20 {
			parallel := Validate(m, wasm.FeaturesV2)
			if len(bad) == 0 {
				require.NoError(t, parallel)
				continue
			}
			require.Error(t, serial)
			require.Equal(t, serial.Error(), parallel.Error(), "bad %v", bad)
			var we *wasm.Error
			require.ErrorAs(t, parallel, &we)
			require.Equal(t, min(bad[0], bad[len(bad)-1], bad[len(bad)/2]), we.FuncIndex)
		}
	}
}
