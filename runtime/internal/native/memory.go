package native

import (
	"errors"
	"fmt"
	"slices"
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
	mem     []byte // the whole reservation
	pages   uint32 // accessible pages
	max     uint32 // limit for Grow
	pool    *MemoryPool
	initial int        // accessible bytes when acquired from pool
	img     *DataImage // mapped copy-on-write at the start, or nil
}

// memoryWhy says why a linear memory reserves so much address space.
const memoryWhy = "a linear memory (4 GiB addressable and 4 GiB of guard pages, so that wasm loads and stores need no bounds checks)"

// NewMemory reserves a memory with pages accessible (zeroed) pages that can
// grow to max pages (at most MaxPages).
func NewMemory(pages, max uint32) (*Memory, error) {
	if err := checkLimits(pages, max); err != nil {
		return nil, err
	}
	mem, err := reserve(abi.MemoryReservation, memoryWhy)
	if err != nil {
		return nil, err
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
	keepResident int // budget for the idle memories' resident pages, in all
	resident     int // what they keep now
}

// idleMemory is a reservation whose first accessible bytes are readable,
// writable and zero.
type idleMemory struct {
	mem        []byte
	accessible int
	resident   int        // bytes of zeroed pages kept mapped
	img        *DataImage // mapped, reading as the image; the rest reads as zero
}

// spares are idle reservations that no pool had room for, shared by all
// pools of the process: a Runtime made per request (or per benchmark run)
// then starts with warm memory, as Go's own heap does, instead of paying
// for a fresh reservation, its page tables and a TLB shootdown when it is
// unmapped.
var spares struct {
	mu       sync.Mutex
	idle     []idleMemory
	resident int
}

// maxSpares bounds spares: reservations are address space; and their
// resident pages, at most maxSpareResident bytes in all.
const (
	maxSpares        = 16
	maxSpareResident = 128 << 20
)

// NewMemoryPool keeps up to keep idle reservations. A released memory has
// the pages it touched zeroed in place and kept (cheapest to reuse: the
// next instance does not fault them in again) while the idle memories keep
// at most keepResident bytes of pages in all; beyond that it gives its
// pages back with MADV_DONTNEED.
func NewMemoryPool(keep, keepResident int) *MemoryPool {
	return &MemoryPool{keep: keep, keepResident: keepResident}
}

// Acquire returns a memory like NewMemory, reusing an idle reservation.
func (p *MemoryPool) Acquire(pages, max uint32) (*Memory, error) {
	return p.AcquireImage(pages, max, nil)
}

// AcquireImage is Acquire with img (if not nil) mapped copy-on-write at
// the start of the memory: its first img.Size() bytes read as the image,
// the rest as zero. A memory that held the same image before is reused
// as it is, its pages already restored when it was released.
func (p *MemoryPool) AcquireImage(pages, max uint32, img *DataImage) (*Memory, error) {
	if err := checkLimits(pages, max); err != nil {
		return nil, err
	}
	want := int(pages) * abi.WasmPageSize
	if img != nil && img.Size() > uintptr(want) {
		return nil, fmt.Errorf("data image of %d bytes does not fit %d pages", img.Size(), pages)
	}
	p.mu.Lock()
	idle := take(&p.idle, want, img)
	p.resident -= idle.resident
	p.mu.Unlock()
	if idle.mem == nil {
		spares.mu.Lock()
		idle = take(&spares.idle, want, img)
		spares.resident -= idle.resident
		spares.mu.Unlock()
	}
	if idle.mem == nil {
		mem, err := reserve(abi.MemoryReservation, memoryWhy)
		if err != nil {
			return nil, err
		}
		idle.mem = mem
	}
	if idle.img != img && idle.img != nil {
		// Another module's image: zero pages again. Its runs are all
		// accessible (put leaves initial bytes accessible, and an image
		// fits its module's initial size).
		if err := idle.img.unmapFrom(idle.mem[:idle.accessible]); err != nil {
			release(idle.mem)
			return nil, fmt.Errorf("linear memory: %w", err)
		}
		idle.img = nil
	}
	m := &Memory{mem: idle.mem, max: max, pool: p, initial: want}
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
	if img != nil && idle.img == nil {
		if err := img.mapInto(m.mem[:want]); err != nil {
			m.img = nil
			m.pool.put(m)
			return nil, err
		}
	}
	m.img = img
	return m, nil
}

// Image is the data image mapped at the start of the memory, or nil.
func (m *Memory) Image() *DataImage { return m.img }

// take removes and returns the idle memory that fits want best: one that
// maps img (if not nil) with an accessible size equal to want, else of any
// size; else one whose accessible size is want, else the largest below
// (growing makes untouched pages accessible, which is cheap), else the
// smallest above (shrinking makes pages inaccessible, which costs a
// page-table walk over the ones kept resident). Ties go to the most
// recently released.
func take(s *[]idleMemory, want int, img *DataImage) idleMemory {
	best := -1
	for i, m := range *s {
		if img != nil && m.img == img {
			if b := best; b < 0 || (*s)[b].img != img || m.accessible == want {
				best = i
			}
			continue
		}
		switch b := best; {
		case img != nil && b >= 0 && (*s)[b].img == img:
		case b < 0:
			best = i
		case m.accessible == want:
			best = i
		case (*s)[b].accessible == want:
		case m.accessible <= want && ((*s)[b].accessible > want || m.accessible >= (*s)[b].accessible):
			best = i
		case m.accessible > want && (*s)[b].accessible > want && m.accessible <= (*s)[b].accessible:
			best = i
		}
	}
	if best < 0 {
		return idleMemory{}
	}
	m := (*s)[best]
	*s = slices.Delete(*s, best, best+1)
	return m
}

// put zeroes the used pages and keeps the reservation, in the pool or the
// spares, or unmaps it.
func (p *MemoryPool) put(m *Memory) error {
	mem, used, img := m.mem, m.Bytes(), m.img
	m.mem, m.pages, m.img = nil, 0, nil
	p.mu.Lock()
	budget := p.keepResident - p.resident
	p.mu.Unlock()
	var kept int
	var err error
	if img == nil {
		kept, err = scrub(used, budget)
	} else {
		// The image's pages are restored, not zeroed; the rest is
		// scrubbed as usual.
		err = img.reset(used)
		img.outside(used, func(b []byte) {
			if err == nil {
				var k int
				k, err = scrub(b, budget-kept)
				kept += k
			}
		})
	}
	accessible := len(used)
	if err == nil && m.initial < accessible {
		// Back to the size it started with: the next instance of the
		// same module then takes it as it is, and growing over zeroed
		// resident pages costs less than faulting them in. The page
		// tables are walked here, when the instance closes, rather than
		// when the next one starts.
		err = protect(mem[m.initial:accessible], syscall.PROT_NONE)
		accessible = m.initial
	}
	if err == nil {
		idle := idleMemory{mem, accessible, kept, img}
		p.mu.Lock()
		if len(p.idle) < p.keep && p.resident+kept <= p.keepResident {
			p.idle = append(p.idle, idle)
			p.resident += kept
			mem = nil
		}
		p.mu.Unlock()
		if mem != nil && spare(idle) {
			mem = nil
		}
	}
	if mem != nil {
		err = errors.Join(err, release(mem))
	}
	return err
}

// spare offers m to the spares and reports whether they took it.
func spare(m idleMemory) bool {
	if m.accessible > maxScrubResident {
		return false // do not keep much memory mapped for nobody
	}
	spares.mu.Lock()
	full := len(spares.idle) >= maxSpares
	over := spares.resident+m.resident > maxSpareResident
	spares.mu.Unlock()
	if full {
		return false
	}
	if over {
		// Keep the reservation, not its pages: a small memory refused
		// because a big one holds the budget would cost the next small
		// instance a fresh reservation or a page-table walk to shrink
		// the big one.
		if madvise(m.mem[:m.accessible]) != nil {
			return false
		}
		m.resident = 0
	}
	spares.mu.Lock()
	defer spares.mu.Unlock()
	if len(spares.idle) >= maxSpares {
		return false
	}
	spares.idle = append(spares.idle, m)
	spares.resident += m.resident
	return true
}

// Idle reports how many idle memories the pool keeps and the bytes of
// zeroed pages they keep resident.
func (p *MemoryPool) Idle() (n, resident int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle), p.resident
}

// IdleSpares is Idle for the process's spares.
func IdleSpares() (n, resident int) {
	spares.mu.Lock()
	defer spares.mu.Unlock()
	return len(spares.idle), spares.resident
}

// Close hands the idle reservations to the process's spares, or unmaps
// them.
func (p *MemoryPool) Close() error {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.resident = nil, 0
	p.mu.Unlock()
	var err error
	for _, m := range idle {
		if !spare(m) {
			err = errors.Join(err, release(m.mem))
		}
	}
	return err
}

// maxScrubResident is the largest accessible size a spare may keep, and
// the largest memory scrub looks at page by page.
const maxScrubResident = 256 << 20

// scrub makes used read as zeroes again, keeping as many pages mapped as
// it can: dropping touched pages costs a TLB shootdown across every CPU the
// process ran on, which on a virtual machine costs more than zeroing them,
// and the next instance would fault them in again. A small memory is zeroed
// whole. In a larger one the pages the last user touched are zeroed in place
// if there are at most keepResident bytes of them, and those swapped out
// (whose old contents must not come back) are dropped with MADV_DONTNEED;
// with more touched pages the whole memory is dropped. It returns how many
// bytes of zeroed pages stay mapped.
func scrub(used []byte, keepResident int) (kept int, err error) {
	switch {
	case len(used) == 0:
		return 0, nil
	case len(used) <= min(keepResident, smallMemory):
		clear(used)
		return len(used), nil
	case keepResident <= 0 || len(used) > maxScrubResident:
		return 0, madvise(used)
	}
	var buf [512]byte
	vec := buf[:]
	if n := (len(used) + pageSize - 1) / pageSize; n <= len(buf) {
		vec = buf[:n]
	} else {
		vec = make([]byte, n)
	}
	if err := pageStates(used, vec); err != nil {
		return 0, madvise(used)
	}
	resident := 0
	for _, v := range vec {
		resident += int(v & pageResident)
	}
	if resident*pageSize > keepResident {
		return 0, madvise(used)
	}
	for i := 0; i < len(vec); {
		j := i + 1
		for j < len(vec) && vec[j]&pageResident == vec[i]&pageResident {
			j++
		}
		run := used[i*pageSize : min(j*pageSize, len(used))]
		if vec[i]&pageResident != 0 {
			clear(run)
		} else if hasSwapped(vec[i:j]) {
			// Dropped whole: the never-touched pages among the
			// swapped ones cost madvise nothing.
			if err := madvise(run); err != nil {
				return 0, err
			}
		}
		i = j
	}
	return resident * pageSize, nil
}

// Page states pageStates reports.
const (
	pageResident = 1 << 0 // mapped: may hold data, zero it in place
	pageSwapped  = 1 << 1 // may hold data elsewhere: drop it
)

func hasSwapped(vec []byte) bool {
	for _, v := range vec {
		if v&pageSwapped != 0 {
			return true
		}
	}
	return false
}

// pageStates sets vec[i] to the state of page i of b. A page neither
// resident nor swapped was never touched since it was last dropped, and
// reads as zero. /proc/self/pagemap tells the three apart in one read for up
// to pagemapBatch pages; otherwise mincore tells only whether a page is
// resident, and a page that is not counts as swapped out.
func pageStates(b []byte, vec []byte) error {
	if len(vec) <= pagemapBatch {
		if fd := pagemapFD(); fd >= 0 && readPagemap(fd, b, vec) == nil {
			return nil
		}
	}
	if err := mincore(b, vec); err != nil {
		return err
	}
	for i, v := range vec {
		if v&1 != 0 {
			vec[i] = pageResident
		} else {
			vec[i] = pageSwapped
		}
	}
	return nil
}

// smallMemory is the size up to which scrub zeroes a memory whole: cheaper
// than finding out which pages were touched.
const smallMemory = 256 << 10

func madvise(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	return syscall.Madvise(b, syscall.MADV_DONTNEED)
}
