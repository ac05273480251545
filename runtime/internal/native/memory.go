package native

import (
	"errors"
	"fmt"
	"sync"
	"syscall"

	"github.com/wasiaot/wasiaot/runtime/abi"
)

// MaxPages is the most pages a 32-bit linear memory can have.
const MaxPages = 65536

// Memory is a 32-bit linear memory: abi.MemoryReservation bytes of address
// space of which the first Len bytes are accessible. Base + zext32(index) +
// offset32 always stays inside the reservation, so generated code needs no
// bounds checks: an access past Len faults and becomes a trap.
type Memory struct {
	mem   []byte // the whole reservation
	pages uint32 // accessible pages
	max   uint32 // limit for Grow
	pool  *MemoryPool
}

// NewMemory reserves a memory with pages accessible (zeroed) pages that can
// grow to max pages (at most MaxPages).
func NewMemory(pages, max uint32) (*Memory, error) {
	if err := checkLimits(pages, max); err != nil {
		return nil, err
	}
	mem, err := reserve(abi.MemoryReservation)
	if err != nil {
		return nil, fmt.Errorf("linear memory: %w", err)
	}
	m := &Memory{mem: mem, max: max}
	if err := m.setPages(pages); err != nil {
		release(mem)
		return nil, err
	}
	return m, nil
}

func checkLimits(pages, max uint32) error {
	if max > MaxPages || pages > max {
		return fmt.Errorf("linear memory limits: %d initial pages, %d maximum (at most %d)", pages, max, MaxPages)
	}
	return nil
}

// Base is the address of byte 0.
func (m *Memory) Base() uintptr { return addrOf(m.mem) }

// Pages is the current size in wasm pages.
func (m *Memory) Pages() uint32 { return m.pages }

// Max is the limit Grow will not exceed.
func (m *Memory) Max() uint32 { return m.max }

// Bytes is the accessible part.
func (m *Memory) Bytes() []byte { return m.mem[:uintptr(m.pages)*abi.WasmPageSize] }

// Grow adds delta pages and returns the previous size, or false (memory
// unchanged) if that would exceed Max or the host refuses.
func (m *Memory) Grow(delta uint32) (uint32, bool) {
	old := m.pages
	if uint64(old)+uint64(delta) > uint64(m.max) {
		return old, false
	}
	if delta == 0 {
		return old, true
	}
	if err := m.setPages(old + delta); err != nil {
		return old, false
	}
	return old, true
}

func (m *Memory) setPages(pages uint32) error {
	lo, hi := uintptr(m.pages)*abi.WasmPageSize, uintptr(pages)*abi.WasmPageSize
	if hi > lo {
		if err := protect(m.mem[lo:hi], syscall.PROT_READ|syscall.PROT_WRITE); err != nil {
			return fmt.Errorf("linear memory grow to %d pages: %w", pages, err)
		}
	}
	m.pages = pages
	return nil
}

// Bind points the vmctx's memory 0 at m. Call it again after Grow.
func (c *Context) Bind(m *Memory) {
	c.memory = m
	c.hdr.MemoryBase = m.Base()
	c.hdr.MemoryLen = uint64(m.pages) * abi.WasmPageSize
}

// GrowMemory grows the bound memory and updates the vmctx: what a host-side
// memory.grow does. It returns the old size in pages or -1.
func (c *Context) GrowMemory(delta uint32) int64 {
	if c.memory == nil {
		return -1
	}
	old, ok := c.memory.Grow(delta)
	if !ok {
		return -1
	}
	c.hdr.MemoryLen = uint64(c.memory.pages) * abi.WasmPageSize
	return int64(old)
}

// Release gives the memory back to its pool (zeroed and inaccessible), or
// unmaps it if it came from NewMemory.
func (m *Memory) Release() error {
	if m.mem == nil {
		return errors.New("linear memory released twice")
	}
	if m.pool == nil {
		err := release(m.mem)
		m.mem = nil
		return err
	}
	return m.pool.put(m)
}

// MemoryPool keeps reservations for reuse, so that instantiating costs an
// mprotect (and zeroing the pages the last user touched) instead of an
// 8 GiB mmap and munmap.
type MemoryPool struct {
	mu           sync.Mutex
	idle         []idleMemory
	keep         int
	keepResident int
}

// idleMemory is a reservation whose first accessible bytes are readable,
// writable and zero.
type idleMemory struct {
	mem        []byte
	accessible int
}

// NewMemoryPool keeps up to keep idle reservations. A released memory of at
// most keepResident bytes is zeroed in place and stays resident (cheapest
// to reuse); a larger one gives its pages back with MADV_DONTNEED.
func NewMemoryPool(keep, keepResident int) *MemoryPool {
	return &MemoryPool{keep: keep, keepResident: keepResident}
}

// Acquire returns a memory like NewMemory, reusing an idle reservation.
func (p *MemoryPool) Acquire(pages, max uint32) (*Memory, error) {
	if err := checkLimits(pages, max); err != nil {
		return nil, err
	}
	p.mu.Lock()
	var idle idleMemory
	if n := len(p.idle); n > 0 {
		idle = p.idle[n-1]
		p.idle = p.idle[:n-1]
	}
	p.mu.Unlock()
	if idle.mem == nil {
		mem, err := reserve(abi.MemoryReservation)
		if err != nil {
			return nil, fmt.Errorf("linear memory: %w", err)
		}
		idle.mem = mem
	}
	m := &Memory{mem: idle.mem, max: max, pool: p}
	want := int(pages) * abi.WasmPageSize
	if want < idle.accessible {
		// Cut access back to the new size: the sandbox depends on it.
		if err := protect(idle.mem[want:idle.accessible], syscall.PROT_NONE); err != nil {
			release(idle.mem)
			return nil, fmt.Errorf("linear memory: %w", err)
		}
		idle.accessible = want
	}
	m.pages = uint32(idle.accessible / abi.WasmPageSize)
	if err := m.setPages(pages); err != nil {
		release(idle.mem)
		return nil, err
	}
	return m, nil
}

// put zeroes the used pages and keeps or unmaps the reservation.
func (p *MemoryPool) put(m *Memory) error {
	mem, used := m.mem, m.Bytes()
	m.mem, m.pages = nil, 0
	var err error
	if len(used) <= p.keepResident {
		clear(used)
	} else {
		// The next touch of a dropped page maps a fresh zero page.
		err = madvise(used)
	}
	p.mu.Lock()
	if err == nil && len(p.idle) < p.keep {
		p.idle = append(p.idle, idleMemory{mem, len(used)})
		mem = nil
	}
	p.mu.Unlock()
	if mem != nil {
		err = errors.Join(err, release(mem))
	}
	return err
}

// Close unmaps the idle reservations.
func (p *MemoryPool) Close() error {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	var err error
	for _, m := range idle {
		err = errors.Join(err, release(m.mem))
	}
	return err
}

func madvise(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	return syscall.Madvise(b, syscall.MADV_DONTNEED)
}
