package native

import "unsafe"

func unsafeModule(c *Context) unsafe.Pointer { return unsafe.Pointer(&c.Module()[0]) }

//go:noinline
func stackAddr() uintptr {
	var x [8]byte
	return uintptr(unsafe.Pointer(&x[0]))
}
