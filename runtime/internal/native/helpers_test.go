package native

import (
	"encoding/binary"
	"runtime"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/runtime/abi"
)

func newContext(t testing.TB, cfg Config) *Context {
	c, err := NewContext(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close()) })
	return c
}

func (c *Context) arg(i int) uint64 {
	return binary.LittleEndian.Uint64(c.Args()[i*abi.ArgSlotSize:])
}

func (c *Context) setArg(i int, v uint64) {
	binary.LittleEndian.PutUint64(c.Args()[i*abi.ArgSlotSize:], v)
}

//go:noinline
func growStack(n int) int {
	var buf [1024]byte
	buf[n%len(buf)] = byte(n)
	if n == 0 {
		return int(buf[0])
	}
	return growStack(n-1) + int(buf[n%len(buf)])
}

type nilStruct struct{ x int }

//go:noinline
func derefNil(p *nilStruct) int { return p.x }

func requireGoNilPanic(t *testing.T) {
	var got any
	func() {
		defer func() { got = recover() }()
		derefNil(nil)
	}()
	re, ok := got.(runtime.Error)
	require.True(t, ok, "recovered %v", got)
	require.Contains(t, re.Error(), "nil pointer dereference")
}

func (c *Context) counter() uint64 {
	return atomic.LoadUint64((*uint64)(unsafeModule(c)))
}

func unsafeModule(c *Context) unsafe.Pointer { return unsafe.Pointer(&c.Module()[0]) }

//go:noinline
func stackAddr() uintptr {
	var x [8]byte
	return uintptr(unsafe.Pointer(&x[0]))
}
