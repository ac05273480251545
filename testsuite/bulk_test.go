package testsuite

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// memory.copy and memory.fill are inlined with a path per size class
// (bytes, 4, 8 and 16-byte pairs, rep movsb forwards and backwards, rep
// stosb). This compares every length up to well past the largest class,
// at overlapping and disjoint offsets, against a plain Go model, and
// checks the bounds at the end of memory.
const bulkModule = `(module
  (memory (export "mem") 1)
  (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2))))`

func TestBulkMemorySizes(t *testing.T) {
	inst, done := instantiateWat(t, bulkModule, nil)
	defer done()
	mem := inst.Memory().Bytes()
	model := make([]byte, len(mem))
	reset := func() {
		for i := range 512 {
			mem[i] = byte(i*7 + 1)
		}
		copy(model, mem[:512])
	}
	ctx := context.Background()
	for n := 0; n <= 80; n++ {
		for _, off := range []struct{ d, s int }{{100, 100}, {100, 101}, {101, 100}, {100, 108}, {108, 100}, {100, 116}, {116, 100}, {100, 300}, {300, 100}, {100, 100 + n}, {100 + n, 100}, {99 + n, 100}} {
			reset()
			_, err := inst.Call(ctx, "copy", uint64(off.d), uint64(off.s), uint64(n))
			require.NoError(t, err)
			copy(model[off.d:off.d+n], model[off.s:off.s+n])
			require.Equal(t, model[:512], mem[:512], "memory.copy d=%d s=%d n=%d", off.d, off.s, n)
		}
		for _, v := range []uint64{0, 0xAB, 0x1FF} {
			reset()
			_, err := inst.Call(ctx, "fill", 100, v, uint64(n))
			require.NoError(t, err)
			for i := 100; i < 100+n; i++ {
				model[i] = byte(v)
			}
			require.Equal(t, model[:512], mem[:512], "memory.fill v=%#x n=%d", v, n)
		}
	}
	// The last byte of memory is in bounds; one past it traps and writes
	// nothing.
	size := uint64(len(mem))
	for _, n := range []uint64{1, 3, 8, 16, 17, 40} {
		_, err := inst.Call(ctx, "copy", size-n, 0, n)
		require.NoError(t, err)
		_, err = inst.Call(ctx, "fill", size-n, 7, n)
		require.NoError(t, err)
		before := append([]byte(nil), mem[len(mem)-64:]...)
		for _, args := range [][3]uint64{{size - n + 1, 0, n}, {0, size - n + 1, n}, {size + 1, 0, 0}, {0xFFFFFFFF, 0, n}, {0, 0xFFFFFFFF, n}} {
			_, err = inst.Call(ctx, "copy", args[0], args[1], args[2])
			require.ErrorContains(t, err, "out of bounds memory access", "copy %v", args)
		}
		_, err = inst.Call(ctx, "fill", size-n+1, 9, n)
		require.ErrorContains(t, err, "out of bounds memory access")
		require.Equal(t, before, mem[len(mem)-64:])
	}
	_, err := inst.Call(ctx, "copy", size, size, 0)
	require.NoError(t, err, "a zero-length copy at the end is in bounds")
}
