package native

import (
	"testing"

	"github.com/twitchyliquid64/golang-asm/obj"
	"github.com/twitchyliquid64/golang-asm/obj/x86"

	"github.com/wasiaot/wasiaot/runtime/abi"
)

// Entry into native code and straight back: the fixed cost of a call.
func BenchmarkEnterReturn(b *testing.B) {
	c := newContext(b, Config{})
	a := newAsm(b)
	a.add(obj.ARET, none, none)
	code, _ := a.load()
	entry := code.Addr()
	for b.Loop() {
		if err := c.Call(entry, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// One wasm→Go→wasm import call: exit stub, Go dispatch, resume.
func BenchmarkHostCallRoundTrip(b *testing.B) {
	c := newContext(b, Config{ArgSlots: 1})
	a := newAsm(b)
	a.add(x86.AMOVQ, mem(x86.REG_R15, vmArgs), reg(x86.REG_AX))
	a.add(x86.AMOVQ, mem(x86.REG_AX, 0), reg(x86.REG_BX))
	a.label("loop")
	a.hostCall(3, "back")
	a.add(x86.ADECQ, none, reg(x86.REG_BX))
	a.jump(x86.AJNE, "loop")
	a.add(obj.ARET, none, none)
	code, _ := a.load()
	n := uint64(0)
	host := func(*Context, uint32) error { n++; return nil }
	c.setArg(0, uint64(b.N))
	b.ResetTimer()
	if err := c.Call(code.Addr(), host); err != nil {
		b.Fatal(err)
	}
	if n != uint64(b.N) {
		b.Fatalf("%d host calls, want %d", n, b.N)
	}
}

func BenchmarkExplicitTrap(b *testing.B) {
	c := newContext(b, Config{})
	a := newAsm(b)
	a.add(obj.ACALL, none, mem(x86.REG_R15, vmTrapStub))
	code, _ := a.load()
	for b.Loop() {
		if c.Call(code.Addr(), nil) == nil {
			b.Fatal("no trap")
		}
	}
}

// A memory fault: kernel signal delivery, the handler, sigreturn, unwind.
func BenchmarkMemoryFaultTrap(b *testing.B) {
	c := newContext(b, Config{ArgSlots: 1})
	m, err := NewMemory(1, 1)
	if err != nil {
		b.Fatal(err)
	}
	defer m.Release()
	c.Bind(m)
	entry, _ := loadEntry(b)
	for b.Loop() {
		c.setArg(0, abi.WasmPageSize)
		if c.Call(entry, nil) == nil {
			b.Fatal("no trap")
		}
	}
}
