package wasi

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRandomArguments calls every function with random arguments biased
// towards boundary values on a small memory: nothing may panic, write
// outside memory or return an errno outside the spec's range. Calls that
// can block forever (poll_oneoff, sock_accept) are left to their own
// tests.
func TestRandomArguments(t *testing.T) {
	x := newTH(t, nil)
	small := make(fakeMem, 4096)
	guard := make([]byte, 64)
	backing := append(append([]byte{}, small...), guard...)
	mem := fakeMem(backing[:len(small):len(small)])
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func() uint64 {
		switch rng.IntN(8) {
		case 0:
			return 0
		case 1:
			return uint64(rng.IntN(8)) // small fds, flags
		case 2:
			return uint64(len(mem)) - uint64(rng.IntN(16))
		case 3:
			return 0xffffffff - uint64(rng.IntN(4))
		case 4:
			return rng.Uint64()
		default:
			return uint64(rng.IntN(len(mem)))
		}
	}
	for _, f := range x.h.Functions() {
		if f.Name == "poll_oneoff" || f.Name == "sock_accept" || f.Name == "proc_exit" {
			continue
		}
		for range 3000 {
			stack := make([]uint64, max(len(f.Params), 1))
			for i := range f.Params {
				stack[i] = pick()
				if f.Params[i] == ValI32 {
					stack[i] = uint64(uint32(stack[i]))
				}
			}
			args := append([]uint64(nil), stack...)
			require.NotPanics(t, func() {
				require.NoError(t, f.Call(context.Background(), mem, stack), "%s%v", f.Name, args)
			}, "%s%v", f.Name, args)
			require.LessOrEqual(t, stack[0], uint64(errnoNotcapable), "%s%v", f.Name, args)
		}
	}
	require.Equal(t, make([]byte, 64), backing[len(small):], "write past the end of memory")

	// No memory at all (a module without one): pointers fault.
	f := x.fns["args_sizes_get"]
	stack := []uint64{0, 4}
	require.NoError(t, f.Call(context.Background(), nil, stack))
	require.Equal(t, uint64(errnoFault), stack[0])
}
