package native

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/runtime/abi"
)

// resident reports, page by page, whether b is resident.
func resident(t *testing.T, b []byte) []bool {
	vec := make([]byte, (len(b)+pageSize-1)/pageSize)
	require.NoError(t, mincore(b, vec))
	out := make([]bool, len(vec))
	for i, v := range vec {
		out[i] = v&1 != 0
	}
	return out
}

func TestScrubZeroesTouchedPagesInPlace(t *testing.T) {
	p := NewMemoryPool(1, 1<<20)
	defer p.Close()
	m, err := p.Acquire(17, 32)
	require.NoError(t, err)
	base := m.Base()
	b := m.Bytes()
	// The reservation may come warm from an earlier user: start cold.
	require.NoError(t, madvise(b))
	touched := []int{0, 5*pageSize + 17, 1<<20 - 1, len(b) - 1}
	for _, i := range touched {
		b[i] = 0xcd
	}
	require.NoError(t, m.Release())

	// The touched pages stay mapped; scrub did not fault in the others.
	res := resident(t, b)
	for _, i := range touched {
		require.True(t, res[i/pageSize], "page %d", i/pageSize)
	}
	require.False(t, res[3])

	m, err = p.Acquire(17, 32)
	require.NoError(t, err)
	require.Equal(t, base, m.Base())
	require.Equal(t, make([]byte, 17*abi.WasmPageSize), m.Bytes())
	require.NoError(t, m.Release())
}

func TestScrubDropsManyResidentPages(t *testing.T) {
	p := NewMemoryPool(1, 2*pageSize)
	defer p.Close()
	m, err := p.Acquire(1, 1)
	require.NoError(t, err)
	b := m.Bytes()
	for i := 0; i < len(b); i += pageSize {
		b[i] = 1
	}
	require.NoError(t, m.Release())
	for i, r := range resident(t, b) {
		require.False(t, r, "page %d", i)
	}
	m, err = p.Acquire(1, 1)
	require.NoError(t, err)
	require.Equal(t, make([]byte, abi.WasmPageSize), m.Bytes())
	require.NoError(t, m.Release())
}

func TestSparesOutlivePools(t *testing.T) {
	// Make room: earlier tests may have filled the spares.
	spares.mu.Lock()
	for _, m := range spares.idle {
		release(m.mem)
	}
	spares.idle = nil
	spares.mu.Unlock()

	p := NewMemoryPool(1, 1<<20)
	m, err := p.Acquire(2, 2)
	require.NoError(t, err)
	base := m.Base()
	m.Bytes()[100] = 9
	require.NoError(t, m.Release())
	require.NoError(t, p.Close())

	// A new pool starts with the closed one's reservation, zeroed, and
	// with no more access than it asks for.
	q := NewMemoryPool(1, 1<<20)
	defer q.Close()
	m, err = q.Acquire(1, 4)
	require.NoError(t, err)
	require.Equal(t, base, m.Base())
	require.Equal(t, make([]byte, abi.WasmPageSize), m.Bytes())
	require.True(t, faults(m.mem, abi.WasmPageSize))
	require.NoError(t, m.Release())
}

func TestFreedContextReused(t *testing.T) {
	if !archSupported {
		t.Skip(ErrUnsupportedArch)
	}
	// Make room: earlier tests may have filled the cache.
	freed.mu.Lock()
	for _, l := range freed.blocks {
		for _, b := range l {
			syscall.Munmap(b)
		}
	}
	for _, l := range freed.stacks {
		for _, b := range l {
			release(b)
		}
	}
	freed.blocks, freed.stacks, freed.n = nil, nil, 0
	freed.mu.Unlock()

	cfg := Config{ModuleSize: 3000, ArgSlots: 4}
	c, err := NewContext(cfg)
	require.NoError(t, err)
	addr, stack := c.Addr(), c.Stack().Top()
	c.Module()[10] = 1
	c.Args()[3] = 2
	c.Header().MemoryLen = 77
	require.NoError(t, c.Close())
	require.Error(t, c.Close())

	c, err = NewContext(cfg)
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, addr, c.Addr())
	require.Equal(t, stack, c.Stack().Top())
	require.Equal(t, make([]byte, 3000), c.Module())
	require.Equal(t, make([]byte, 4*abi.ArgSlotSize), c.Args())
	h := c.Header()
	require.Zero(t, h.MemoryLen)
	require.Equal(t, uint64(abi.VMCtxMagicValue), uint64(h.Magic))
	require.Equal(t, addrOf(c.Args()), h.Args)
	require.Equal(t, c.Stack().Top(), h.StackTop)
}
