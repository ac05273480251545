package native

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestArenaAllocFree(t *testing.T) {
	keepCode = false
	defer func() { keepCode = true }()
	require.NoError(t, initArena())
	a, err := LoadCode(make([]byte, 3*pageSize+1))
	require.NoError(t, err)
	b, err := LoadCode([]byte{0xc3})
	require.NoError(t, err)
	require.Equal(t, 4*pageSize, a.Len())
	require.Equal(t, pageSize, b.Len())
	require.True(t, InCode(a.Addr()) && InCode(b.Addr()+pageSize-1))
	require.False(t, InCode(codeHi) || InCode(codeLo-1))

	// Freed spans coalesce and are reused first-fit.
	aAddr := a.Addr()
	require.NoError(t, a.Release())
	require.Error(t, a.Release())
	c, err := LoadCode(make([]byte, 2*pageSize))
	require.NoError(t, err)
	require.Equal(t, aAddr, c.Addr())
	require.NoError(t, c.Release())
	require.NoError(t, b.Release())

	theArena.mu.Lock()
	spans := append([]span(nil), theArena.spans...)
	theArena.mu.Unlock()
	for i := 1; i < len(spans); i++ {
		require.Less(t, spans[i-1].off+spans[i-1].size, spans[i].off, "spans not coalesced: %v", spans)
	}
}

// TestLoadCodeKeepsPages: released LoadCode pages serve the next load of
// the same size, holding nothing of the old code.
func TestLoadCodeKeepsPages(t *testing.T) {
	old := make([]byte, 2*pageSize)
	for i := range old {
		old[i] = 0xcc
	}
	a, err := LoadCode(old)
	require.NoError(t, err)
	addr := a.Addr()
	require.NoError(t, a.Release())
	b, err := LoadCode([]byte{0xc3})
	require.NoError(t, err)
	defer b.Release()
	require.NotEqual(t, addr, b.Addr(), "a smaller image takes other pages")
	c, err := LoadCode(make([]byte, pageSize+1))
	require.NoError(t, err)
	defer c.Release()
	require.Equal(t, addr, c.Addr())
	require.Equal(t, make([]byte, 2*pageSize), c.mem, "old code cleared")
}

func TestLoadCodeErrors(t *testing.T) {
	_, err := LoadCode(nil)
	require.ErrorContains(t, err, "empty text")
	_, err = MapCode(0, 100, pageSize)
	require.ErrorContains(t, err, "not page aligned")
	_, err = MapCode(0, 0, 0)
	require.ErrorContains(t, err, "size 0")
	_, err = theArena.alloc(ArenaSize + 1)
	require.ErrorContains(t, err, "code arena full")
}
