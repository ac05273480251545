package native

import (
	"runtime/debug"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/runtime/abi"
)

func TestMemoryGrow(t *testing.T) {
	m, err := NewMemory(1, 3)
	require.NoError(t, err)
	defer m.Release()
	require.Len(t, m.Bytes(), abi.WasmPageSize)
	m.Bytes()[abi.WasmPageSize-1] = 7
	for _, tc := range []struct {
		delta, old uint32
		ok         bool
	}{{0, 1, true}, {1, 1, true}, {2, 2, false}, {1, 2, true}, {1, 3, false}, {0, 3, true}} {
		old, ok := m.Grow(tc.delta)
		require.Equal(t, tc.old, old)
		require.Equal(t, tc.ok, ok)
	}
	require.Equal(t, uint32(3), m.Pages())
	b := m.Bytes()
	require.Equal(t, byte(7), b[abi.WasmPageSize-1])
	b[len(b)-1] = 1 // the grown pages are writable
}

func TestMemoryLimits(t *testing.T) {
	_, err := NewMemory(2, 1)
	require.ErrorContains(t, err, "2 initial pages, 1 maximum")
	_, err = NewMemory(0, MaxPages+1)
	require.ErrorContains(t, err, "at most 65536")
	m, err := NewMemory(0, MaxPages)
	require.NoError(t, err)
	defer m.Release()
	old, ok := m.Grow(MaxPages)
	require.True(t, ok)
	require.Zero(t, old)
	require.Len(t, m.Bytes(), 4<<30)
}

func TestMemoryPoolReuseZeroes(t *testing.T) {
	for _, keepResident := range []int{0, 1 << 20} {
		testMemoryPoolReuseZeroes(t, NewMemoryPool(2, keepResident))
	}
}

func testMemoryPoolReuseZeroes(t *testing.T, p *MemoryPool) {
	defer p.Close()
	m, err := p.Acquire(2, 4)
	require.NoError(t, err)
	base := m.Base()
	m.Grow(1)
	for i := range m.Bytes() {
		m.Bytes()[i] = 0xab
	}
	require.NoError(t, m.Release())
	require.Error(t, m.Release())

	m2, err := p.Acquire(1, 4)
	require.NoError(t, err)
	require.Equal(t, base, m2.Base(), "reservation reused")
	require.Equal(t, uint32(1), m2.Pages())
	require.Equal(t, make([]byte, abi.WasmPageSize), m2.Bytes())
	// Pages beyond the new size are inaccessible again until grown.
	require.True(t, faults(m2.mem, abi.WasmPageSize))
	require.False(t, faults(m2.mem, abi.WasmPageSize-1))
	old, ok := m2.Grow(2)
	require.True(t, ok)
	require.Equal(t, uint32(1), old)
	require.Equal(t, make([]byte, 3*abi.WasmPageSize), m2.Bytes())

	m3, err := p.Acquire(0, 0)
	require.NoError(t, err)
	require.NotEqual(t, base, m3.Base())
	require.NoError(t, m2.Release())
	require.NoError(t, m3.Release())
	_, err = p.Acquire(3, 2)
	require.Error(t, err)
}

var sink byte

// faults reports whether reading b[i] faults.
func faults(b []byte, i int) (faulted bool) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() { faulted = recover() != nil }()
	sink = b[i]
	return false
}

func BenchmarkMemoryPool(b *testing.B) {
	p := NewMemoryPool(4, 1<<20)
	defer p.Close()
	for b.Loop() {
		m, err := p.Acquire(1, 16)
		if err != nil {
			b.Fatal(err)
		}
		m.Bytes()[0] = 1 // one touched page, as a typical instance would
		m.Release()
	}
}

// A memory too large to zero whole: the pages the last user touched are
// zeroed in place, the others were never touched and stay unmapped.
func TestMemoryPoolScrubsTouchedPages(t *testing.T) {
	dropSpares(t) // a spare would come with resident pages of its own
	p := NewMemoryPool(1, 1<<20)
	defer p.Close()
	const pages = 17 // 1 MiB and a page, as a small C program has
	m, err := p.Acquire(pages, pages)
	require.NoError(t, err)
	base := m.Base()
	b := m.Bytes()
	touched := []int{0, 1, 100, 101, 102, 255, 270, len(b)/pageSize - 1}
	for _, pg := range touched {
		b[pg*pageSize+7] = 0xcd
	}

	vec := make([]byte, len(b)/pageSize)
	require.NoError(t, pageStates(b, vec))
	for i, v := range vec {
		require.Equal(t, slices.Contains(touched, i), v&pageResident != 0, "page %d", i)
	}
	if pagemapFD() >= 0 {
		// Untouched pages are known never to have held anything.
		for i, v := range vec {
			require.Zero(t, v&pageSwapped, "page %d", i)
		}
	}

	require.NoError(t, m.Release())
	m2, err := p.Acquire(pages, pages)
	require.NoError(t, err)
	require.Equal(t, base, m2.Base(), "reservation reused")
	require.NoError(t, pageStates(m2.Bytes(), vec))
	for i, v := range vec {
		require.Equal(t, slices.Contains(touched, i), v&pageResident != 0, "page %d stays as it was", i)
	}
	require.Equal(t, make([]byte, len(b)), m2.Bytes())
	require.NoError(t, m2.Release())
}

// Without pagemap, every page mincore does not find resident counts as
// swapped out, and is dropped.
func TestPageStatesMincore(t *testing.T) {
	m, err := NewMemory(17, 17)
	require.NoError(t, err)
	defer m.Release()
	b := m.Bytes()
	b[3*pageSize] = 1
	vec := make([]byte, pagemapBatch+1) // too many pages for one pagemap read
	require.NoError(t, pageStates(b[:len(vec)*pageSize], vec))
	for i, v := range vec {
		if i == 3 {
			require.Equal(t, byte(pageResident), v)
		} else {
			require.Equal(t, byte(pageSwapped), v, "page %d", i)
		}
	}
}

// The resident budget is for the pool's idle memories in all: a memory
// released while others keep the budget gives its pages back instead.
func TestMemoryPoolResidentBudget(t *testing.T) {
	const pages = 17 // past smallMemory: scrubbed page by page
	const touch = 8  // wasm pages touched, one OS page in each
	budget := touch * pageSize * 3 / 2
	p := NewMemoryPool(4, budget)
	defer p.Close()
	var ms []*Memory
	for range 2 {
		m, err := p.Acquire(pages, pages)
		require.NoError(t, err)
		for pg := range touch {
			m.Bytes()[pg*abi.WasmPageSize] = 1
		}
		ms = append(ms, m)
	}
	require.NoError(t, ms[0].Release())
	require.Equal(t, touch*pageSize, p.resident, "first: zeroed in place, kept")
	require.NoError(t, ms[1].Release())
	require.Equal(t, touch*pageSize, p.resident, "second: over budget, dropped")
	require.Len(t, p.idle, 2, "both reservations kept")
	for range 2 {
		m, err := p.Acquire(pages, pages)
		require.NoError(t, err)
		require.Equal(t, make([]byte, len(m.Bytes())), m.Bytes())
		defer m.Release()
	}
	require.Zero(t, p.resident)
}

// An idle memory is taken by fit: the same size, else the largest smaller
// one, else the smallest larger one; among equals the latest released.
func TestTakeBestFit(t *testing.T) {
	mk := func(sizes ...int) []idleMemory {
		var s []idleMemory
		for i, n := range sizes {
			s = append(s, idleMemory{mem: make([]byte, 1), accessible: n, resident: i})
		}
		return s
	}
	for _, tc := range []struct {
		sizes      []int
		want       int
		accessible int
		resident   int // which one: its index
	}{
		{[]int{10, 20, 30}, 20, 20, 1},
		{[]int{20, 10, 20}, 20, 20, 2},
		{[]int{10, 5, 30}, 20, 10, 0},
		{[]int{50, 30, 40}, 20, 30, 1},
		{[]int{50, 15, 40}, 20, 15, 1},
	} {
		s := mk(tc.sizes...)
		m := take(&s, tc.want, nil)
		require.Equal(t, tc.accessible, m.accessible, "%v want %d", tc.sizes, tc.want)
		require.Equal(t, tc.resident, m.resident, "%v want %d", tc.sizes, tc.want)
		require.Len(t, s, len(tc.sizes)-1)
	}
	var empty []idleMemory
	require.Nil(t, take(&empty, 1, nil).mem)
}

// dropSpares releases the process's spare reservations.
func dropSpares(t *testing.T) {
	spares.mu.Lock()
	idle := spares.idle
	spares.idle, spares.resident = nil, 0
	spares.mu.Unlock()
	for _, m := range idle {
		require.NoError(t, release(m.mem))
	}
}

// A memory that grew goes back to its initial size when released, its
// grown pages zeroed and inaccessible: the next instance of the same
// module takes it as it is.
func TestMemoryPoolReleaseShrinks(t *testing.T) {
	dropSpares(t)
	p := NewMemoryPool(2, 64<<20)
	defer p.Close()
	m, err := p.Acquire(1, 8)
	require.NoError(t, err)
	base := m.Base()
	_, ok := m.Grow(3)
	require.True(t, ok)
	m.Bytes()[3*abi.WasmPageSize+5] = 9
	require.NoError(t, m.Release())
	require.Len(t, p.idle, 1)
	require.Equal(t, abi.WasmPageSize, p.idle[0].accessible)
	m2, err := p.Acquire(1, 8)
	require.NoError(t, err)
	require.Equal(t, base, m2.Base())
	_, ok = m2.Grow(3)
	require.True(t, ok)
	require.Equal(t, make([]byte, 4*abi.WasmPageSize), m2.Bytes(), "grown pages read as zero")
	require.NoError(t, m2.Release())
}

func TestStackTrim(t *testing.T) {
	s, err := NewStack(1 << 20)
	require.NoError(t, err)
	defer s.Free()
	usable := s.mem[abi.StackGuardSize:]
	resident := func(b []byte) bool {
		vec := make([]byte, 1)
		require.NoError(t, pageStates(b[:pageSize], vec))
		return vec[0]&pageResident != 0
	}
	top := usable[len(usable)-pageSize:]
	top[0] = 1
	require.NoError(t, s.Trim(), "a shallow run")
	require.True(t, resident(top), "the hot top stays")
	for i := len(usable) - 1; i >= 0; i -= pageSize { // a run down to the guard
		usable[i] = 2
	}
	require.True(t, resident(usable))
	require.NoError(t, s.Trim())
	require.False(t, resident(usable), "the deep pages are given back")
	require.False(t, resident(usable[len(usable)-hotStack-pageSize:]))
	require.True(t, resident(top), "the hot top stays")
	require.Equal(t, byte(2), top[len(top)-1])
}

func TestStackRecycle(t *testing.T) {
	s, err := NewStack(1 << 20)
	require.NoError(t, err)
	defer s.Free()
	usable := s.mem[abi.StackGuardSize:]
	deepPage := usable[len(usable)-hotStack-pageSize:][:pageSize]
	resident := func() bool {
		vec := make([]byte, 1)
		require.NoError(t, pageStates(deepPage, vec))
		return vec[0]&pageResident != 0
	}
	deepRun := func() {
		for i := len(usable) - 1; i >= 0; i -= pageSize {
			usable[i] = 2
		}
	}
	deepRun()
	require.NoError(t, s.Recycle(true))
	require.False(t, resident(), "a stack a trap left is trimmed at once")

	// A deep run that returned: given back within trimPeriod recycles.
	deepRun()
	trimmed := -1
	for i := range trimPeriod {
		require.NoError(t, s.Recycle(false))
		if !resident() {
			trimmed = i
			break
		}
	}
	require.GreaterOrEqual(t, trimmed, 0, "a deep stack is trimmed within trimPeriod recycles")
	require.Less(t, s.recycled%trimPeriod, uint32(1), "only on the periodic look")
}
