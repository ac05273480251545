package runtime

import (
	"encoding/binary"
	"fmt"
	goruntime "runtime"

	"github.com/wasiaot/wasiaot/runtime/abi"
	"github.com/wasiaot/wasiaot/runtime/internal/native"
)

// Memory is a linear memory. Its reservation never moves, so slices from
// Bytes stay valid until the next Grow (which may make them too short).
type Memory struct {
	typ MemoryType
	mem *native.Memory
	// owner is the address whose +8 holds the authoritative byte length:
	// the owning instance's vmctx, or a host record for host memories.
	owner uintptr
	// lens are the MemoryLen words of every vmctx using the memory.
	lens []*uint64
	inst *Instance
}

// NewMemory makes a host memory of type t (its limits in pages), capped by
// the runtime's MemoryLimitPages.
func (r *Runtime) NewMemory(t MemoryType) (*Memory, error) {
	if t.Shared {
		return nil, fmt.Errorf("not supported: shared memory")
	}
	maxp, err := r.memoryMax(t)
	if err != nil {
		return nil, err
	}
	nm, err := r.pool.Acquire(uint32(t.Min), maxp)
	if err != nil {
		return nil, err
	}
	p, err := allocSlot()
	if err != nil {
		nm.Release()
		return nil, err
	}
	*u64At(p) = uint64(nm.Base())
	m := &Memory{typ: t, mem: nm, owner: p}
	m.lens = []*uint64{u64At(p + 8)}
	m.sync()
	goruntime.AddCleanup(m, func(h memHold) { h.mem.Release(); freeSlot(h.slot) }, memHold{nm, p})
	return m, nil
}

type memHold struct {
	mem  *native.Memory
	slot uintptr
}

// memoryMax is the page limit of a memory of type t in this runtime.
func (r *Runtime) memoryMax(t MemoryType) (uint32, error) {
	limit := uint64(r.cfg.MemoryLimitPages)
	if t.Min > limit {
		return 0, fmt.Errorf("memory of %d pages exceeds the limit of %d pages", t.Min, limit)
	}
	maxp := limit
	if t.HasMax && t.Max < maxp {
		maxp = t.Max
	}
	return uint32(maxp), nil
}

// Kind is KindMemory.
func (m *Memory) Kind() ExternKind { return KindMemory }

// Type is the memory's type with its current size as the minimum.
func (m *Memory) Type() MemoryType {
	t := m.typ
	t.Min = uint64(m.mem.Pages())
	return t
}

// Size is the current size in pages.
func (m *Memory) Size() uint32 { return m.mem.Pages() }

// Bytes is the accessible memory.
func (m *Memory) Bytes() []byte { return m.mem.Bytes() }

// Grow adds delta pages and returns the old size, or false if the memory
// cannot grow that much.
func (m *Memory) Grow(delta uint32) (uint32, bool) {
	old, ok := m.mem.Grow(delta)
	if ok {
		m.sync()
	}
	return old, ok
}

// sync publishes the current length to every vmctx using the memory.
func (m *Memory) sync() {
	n := uint64(m.mem.Pages()) * abi.WasmPageSize
	for _, l := range m.lens {
		*l = n
	}
}

// Read returns n bytes at off, or false if they are not all in bounds.
func (m *Memory) Read(off uint32, n uint32) ([]byte, bool) {
	b := m.Bytes()
	if uint64(off)+uint64(n) > uint64(len(b)) {
		return nil, false
	}
	return b[off : off+n : off+n], true
}

// Write copies data to off, or returns false (writing nothing) if it does
// not fit.
func (m *Memory) Write(off uint32, data []byte) bool {
	b := m.Bytes()
	if uint64(off)+uint64(len(data)) > uint64(len(b)) {
		return false
	}
	copy(b[off:], data)
	return true
}

// ReadUint32 reads a little-endian uint32 at off.
func (m *Memory) ReadUint32(off uint32) (uint32, bool) {
	b, ok := m.Read(off, 4)
	if !ok {
		return 0, false
	}
	return binary.LittleEndian.Uint32(b), true
}

// WriteUint32 writes a little-endian uint32 at off.
func (m *Memory) WriteUint32(off uint32, v uint32) bool {
	return m.Write(off, binary.LittleEndian.AppendUint32(nil, v))
}

// inReservation reports whether addr lies in the memory's address space
// reservation (accessible or guard).
func (m *Memory) inReservation(addr uintptr) bool {
	base := m.mem.Base()
	return addr >= base && addr-base < abi.MemoryReservation
}

func (m *Memory) removeLen(l *uint64) {
	for i, x := range m.lens {
		if x == l {
			m.lens = append(m.lens[:i], m.lens[i+1:]...)
			return
		}
	}
}
