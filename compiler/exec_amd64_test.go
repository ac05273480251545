//go:build amd64 && linux

package compiler

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"syscall"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/runtime/abi"
	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// The runtime's loader lives elsewhere (runtime/internal/native may not be
// imported from here), so these tests instantiate an artifact themselves,
// minimally: one vmctx, linear memory in a full reservation, tables and
// FuncRefs for the module's own functions, simple global initialisers.
// A small trampoline switches to an mmap'd native stack and calls an
// entry stub; the trap stub and the host-call stub unwind back to it, so
// traps and import or builtin exits are observable (exits are not
// resumed).

// tramp(vmctx, entry, stackTop) returns 0 on return, 1 on a trap, 2 on a
// host-call exit.
var trampCode = []byte{
	0x55,       // push rbp
	0x41, 0x56, // push r14
	0x41, 0x57, // push r15
	0x49, 0x89, 0xc7, // mov r15, rax
	0x49, 0x89, 0xe3, // mov r11, rsp
	0x48, 0x89, 0xcc, // mov rsp, rcx
	0x41, 0x53, // push r11
	0x48, 0x83, 0xec, 0x08, // sub rsp, 8
	0x49, 0x89, 0xa7, 0x98, 0x00, 0x00, 0x00, // mov [r15+152], rsp
	0xff, 0xd3, // call rbx
	0x31, 0xc0, // xor eax, eax
	// done (offset 31):
	0x48, 0x83, 0xc4, 0x08, // add rsp, 8
	0x41, 0x5b, // pop r11
	0x4c, 0x89, 0xdc, // mov rsp, r11
	0x41, 0x5f, // pop r15
	0x41, 0x5e, // pop r14
	0x5d,                   // pop rbp
	0x45, 0x0f, 0x57, 0xff, // xorps xmm15, xmm15
	0xc3, // ret
	// trap stub (offset 50):
	0x41, 0x5b, // pop r11
	0x4d, 0x89, 0x9f, 0xd8, 0x00, 0x00, 0x00, // mov [r15+216], r11
	0x49, 0x8b, 0xa7, 0x98, 0x00, 0x00, 0x00, // mov rsp, [r15+152]
	0xb8, 0x01, 0x00, 0x00, 0x00, // mov eax, 1
	0xeb, 0x00, // jmp done (patched)
	// host-call stub (offset 73):
	0x49, 0x8b, 0xa7, 0x98, 0x00, 0x00, 0x00, // mov rsp, [r15+152]
	0xb8, 0x02, 0x00, 0x00, 0x00, // mov eax, 2
	0xeb, 0x00, // jmp done (patched)
	// preempt stub (offset 87): resume at once
	0x41, 0xff, 0xe3, // jmp r11
}

const (
	trampDone    = 31
	trampTrap    = 50
	trampHost    = 73
	trampPreempt = 87
)

func init() {
	d := trampDone - trampHost
	trampCode[trampHost-1] = byte(int8(d))
	d = trampDone - trampPreempt
	trampCode[trampPreempt-1] = byte(int8(d))
}

type instance struct {
	a      *artifact.Artifact
	layout abi.Layout
	text   []byte
	tramp  []byte
	vmctx  []byte
	args   []byte
	stack  []byte
	mem    []byte
	fake   []byte // a stand-in g for polls, and FuncRefs and tables
	call   func(vmctx, entry, stack uintptr) uint64
}

func mmap(t *testing.T, n int, prot int) []byte {
	n = (n + 4095) &^ 4095
	b, err := syscall.Mmap(-1, 0, n, prot, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	require.NoError(t, err)
	t.Cleanup(func() { _ = syscall.Munmap(b) })
	return b
}

func addr(b []byte) uintptr { return uintptr(unsafe.Pointer(&b[0])) }

func put64(b []byte, off uint32, v uint64) { binary.LittleEndian.PutUint64(b[off:], v) }

func instantiate(t *testing.T, a *artifact.Artifact) *instance {
	m := &a.Module
	nfuncs := uint32(len(m.Funcs)) + m.NumImportedFuncs()
	var nglobals, ntables uint32
	for _, im := range m.Imports {
		switch im.Kind {
		case artifact.KindGlobal:
			nglobals++
		case artifact.KindTable:
			ntables++
		case artifact.KindMemory:
			t.Fatalf("imported memories are not supported by this test loader")
		}
	}
	require.Zero(t, nglobals+ntables, "imported globals and tables are not supported by this test loader")
	nglobals += uint32(len(m.Globals))
	ntables += uint32(len(m.Tables))
	layout, err := abi.NewLayout(abi.ModuleShape{HeaderSize: abi.AMD64VMCtxHeaderSize, NumTypes: uint32(len(m.Types)), NumFuncs: nfuncs, NumGlobals: nglobals, NumTables: ntables, HasMemory: len(m.Memories) > 0})
	require.NoError(t, err)
	in := &instance{a: a, layout: layout}
	rwx := syscall.PROT_READ | syscall.PROT_WRITE | syscall.PROT_EXEC
	rw := syscall.PROT_READ | syscall.PROT_WRITE
	in.text = mmap(t, len(a.Text)+1, rwx)
	copy(in.text, a.Text)
	in.tramp = mmap(t, len(trampCode), rwx)
	copy(in.tramp, trampCode)
	in.vmctx = mmap(t, int(layout.Size), rw)
	in.args = mmap(t, 64*abi.ArgSlotSize, rw)
	in.stack = mmap(t, 1<<20, rw)
	in.fake = mmap(t, 1<<20, rw)
	vm := in.vmctx
	if len(m.Memories) > 0 {
		in.mem = mmap(t, abi.MemoryReservation, syscall.PROT_NONE)
		n := int(m.Memories[0].Min) * abi.WasmPageSize
		if n > 0 {
			require.NoError(t, syscall.Mprotect(in.mem[:n], rw))
		}
		put64(vm, abi.VMCtxMemoryBase, uint64(addr(in.mem)))
		put64(vm, abi.VMCtxMemoryLen, uint64(n))
		for _, d := range m.Datas {
			if d.Mode == artifact.Active {
				off := d.Offset[0].Imm
				copy(in.mem[off:], a.Rodata[d.RodataOffset:][:d.Size])
			}
		}
	}
	put64(vm, abi.VMCtxG, uint64(addr(in.fake)))
	put64(vm, abi.VMCtxHostCallStub, uint64(addr(in.tramp)+trampHost))
	put64(vm, abi.VMCtxTrapStub, uint64(addr(in.tramp)+trampTrap))
	put64(vm, abi.VMCtxPreemptStub, uint64(addr(in.tramp)+trampPreempt))
	put64(vm, abi.VMCtxArgs, uint64(addr(in.args)))
	put64(vm, abi.VMCtxStackLimit, uint64(addr(in.stack)))
	put64(vm, abi.VMCtxMagic, abi.VMCtxMagicValue)
	put64(vm, layout.MemoryOwner, uint64(addr(vm)))
	for i := range m.Types {
		id := uint32(i + 1)
		for j := range i {
			if fmt.Sprint(m.Types[j]) == fmt.Sprint(m.Types[i]) {
				id = uint32(j + 1)
				break
			}
		}
		binary.LittleEndian.PutUint32(vm[layout.TypeIDOffset(uint32(i)):], id)
	}
	// FuncRefs from offset 4096 of the fake area, TableDescs and elements
	// after them.
	nimp := m.NumImportedFuncs()
	refs := uint32(4096)
	typeOf := func(f uint32) uint32 {
		if f < nimp {
			n := uint32(0)
			for _, im := range m.Imports {
				if im.Kind == artifact.KindFunc {
					if n == f {
						return im.TypeIndex
					}
					n++
				}
			}
		}
		return m.Funcs[f-nimp].TypeIndex
	}
	for f := range nfuncs {
		r := refs + f*abi.FuncRefSize
		if f >= nimp {
			put64(in.fake, r+abi.FuncRefCode, uint64(addr(in.text))+uint64(m.Funcs[f-nimp].Offset))
			put64(in.fake, r+abi.FuncRefVMCtx, uint64(addr(vm)))
		}
		binary.LittleEndian.PutUint32(in.fake[r+abi.FuncRefTypeID:], binary.LittleEndian.Uint32(vm[layout.TypeIDOffset(typeOf(f)):]))
		binary.LittleEndian.PutUint32(in.fake[r+abi.FuncRefIndex:], f)
		put64(vm, layout.FuncRefOffset(f), uint64(addr(in.fake))+uint64(r))
	}
	next := refs + nfuncs*abi.FuncRefSize
	for i, tt := range m.Tables {
		next = (next + 15) &^ 15
		desc := next
		elems := desc + abi.TableDescSize
		next = elems + 8*uint32(max(tt.Min, 1))
		put64(in.fake, desc+abi.TableDescElems, uint64(addr(in.fake))+uint64(elems))
		binary.LittleEndian.PutUint32(in.fake[desc+abi.TableDescLen:], uint32(tt.Min))
		binary.LittleEndian.PutUint32(in.fake[desc+abi.TableDescMax:], uint32(tt.Max))
		put64(vm, layout.TableOffset(uint32(i)), uint64(addr(in.fake))+uint64(desc))
		for _, e := range m.Elems {
			if e.Mode != artifact.Active || e.Table != uint32(i) {
				continue
			}
			off := uint32(e.Offset[0].Imm)
			for k, f := range e.Funcs {
				put64(in.fake, elems+8*(off+uint32(k)), binary.LittleEndian.Uint64(vm[layout.FuncRefOffset(f):]))
			}
		}
	}
	for i, g := range m.Globals {
		op := g.Init[0]
		v := op.Imm
		switch op.Op {
		case artifact.OpRefNull:
			v = 0
		case artifact.OpRefFunc:
			v = binary.LittleEndian.Uint64(vm[layout.FuncRefOffset(uint32(op.Imm)):])
		}
		put64(vm, layout.GlobalOffset(uint32(i)), v)
	}
	code := addr(in.tramp)
	p := &code
	in.call = *(*func(vmctx, entry, stack uintptr) uint64)(unsafe.Pointer(&p))
	return in
}

// outcome is the result of one invocation.
type outcome struct {
	results []uint64
	trap    string // trap kind name, or "exit N" for a host-call exit
}

func (in *instance) invoke(t *testing.T, name string, args []uint64) outcome {
	m := &in.a.Module
	var fn uint32
	found := false
	for _, e := range m.Exports {
		if e.Kind == artifact.KindFunc && e.Name == name {
			fn, found = e.Index, true
		}
	}
	require.True(t, found, "no exported function %q", name)
	nimp := m.NumImportedFuncs()
	require.GreaterOrEqual(t, fn, nimp)
	f := m.Funcs[fn-nimp]
	ft := m.Types[f.TypeIndex]
	require.Len(t, args, len(ft.Params), "%s: argument count", name)
	stub := in.a.Code.EntryStubs[f.TypeIndex]
	require.NotEqual(t, artifact.NoStub, stub)
	for i, v := range args {
		put64(in.args, uint32(i*abi.ArgSlotSize), v)
	}
	put64(in.vmctx, in.layout.EntryTarget, uint64(addr(in.text))+uint64(f.Offset))
	r := in.call(addr(in.vmctx), addr(in.text)+uintptr(stub), addr(in.stack)+uintptr(len(in.stack)))
	switch r {
	case 0:
		out := outcome{}
		for i, rt := range ft.Results {
			v := binary.LittleEndian.Uint64(in.args[i*abi.ArgSlotSize:])
			if rt == artifact.I32 || rt == artifact.F32 {
				v &= math.MaxUint32
			}
			out.results = append(out.results, v)
		}
		return out
	case 1:
		pc := binary.LittleEndian.Uint64(in.vmctx[abi.VMCtxTrapPC:]) - uint64(addr(in.text))
		traps := in.a.Code.Traps
		i := sort.Search(len(traps), func(i int) bool { return uint64(traps[i].Offset) >= pc })
		require.True(t, i < len(traps) && uint64(traps[i].Offset) == pc, "trap at %#x is not in the trap table", pc)
		require.Equal(t, fn, traps[i].Func)
		return outcome{trap: traps[i].Kind.String()}
	case 2:
		out := outcome{trap: fmt.Sprintf("exit %#x", binary.LittleEndian.Uint32(in.vmctx[abi.VMCtxExitArg:]))}
		for i := range 8 {
			out.results = append(out.results, binary.LittleEndian.Uint64(in.args[i*abi.ArgSlotSize:]))
		}
		return out
	}
	t.Fatalf("trampoline returned %d", r)
	return outcome{}
}
