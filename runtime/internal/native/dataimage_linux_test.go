package native

import (
	"bytes"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/runtime/abi"
)

// testImage returns the DataImage of segs in a memory of pages pages, and
// what that memory reads as once the segments are copied into it.
func testImage(t *testing.T, pages int, segs []DataSegment) (*DataImage, []byte) {
	t.Helper()
	want := make([]byte, pages*abi.WasmPageSize)
	for _, s := range segs {
		copy(want[s.Offset:], s.Bytes)
	}
	img, err := NewDataImage(segs, uintptr(len(want)))
	require.NoError(t, err)
	t.Cleanup(func() { img.Close() })
	return img, want
}

func fill(n int, b byte) []byte { return bytes.Repeat([]byte{b}, n) }

func TestDataImageMapsCopyOnWrite(t *testing.T) {
	dropSpares(t)
	// Two runs far apart, segments straddling pages, an overlap that the
	// later segment wins, a segment in the last page.
	segs := []DataSegment{
		{Offset: 100, Bytes: fill(10000, 1)},
		{Offset: 5000, Bytes: fill(3, 2)},
		{Offset: 3 * abi.WasmPageSize, Bytes: fill(5, 3)},
		{Offset: 4*abi.WasmPageSize - 7, Bytes: fill(7, 4)},
		{Offset: 0, Bytes: nil},
	}
	img, want := testImage(t, 4, segs)
	require.Equal(t, uintptr(4*abi.WasmPageSize), img.Size())
	other, otherWant := testImage(t, 4, []DataSegment{{Offset: 70000, Bytes: fill(300, 9)}})

	p := NewMemoryPool(4, 1<<20)
	defer p.Close()
	m, err := p.AcquireImage(4, 8, img)
	require.NoError(t, err)
	base := m.Base()
	require.Same(t, img, m.Image())
	require.True(t, bytes.Equal(want, m.Bytes()), "memory reads as the segments")
	// Writes stay private to this memory, and a grown memory reads zero.
	b := m.Bytes()
	b[100], b[200000] = 0xee, 0xee
	_, ok := m.Grow(1)
	require.True(t, ok)
	require.Zero(t, m.Bytes()[len(m.Bytes())-1])
	m.Bytes()[len(m.Bytes())-1] = 5
	require.NoError(t, m.Release())

	// The same image again: the same reservation, restored.
	m, err = p.AcquireImage(4, 8, img)
	require.NoError(t, err)
	require.Equal(t, base, m.Base())
	require.Len(t, m.Bytes(), len(want))
	require.True(t, bytes.Equal(want, m.Bytes()), "memory reads as the segments again")
	another, err := p.AcquireImage(4, 8, img) // a second memory of the same image at once
	require.NoError(t, err)
	another.Bytes()[100] = 0xdd
	require.True(t, bytes.Equal(want, m.Bytes()), "instances share no writes")
	require.NoError(t, another.Release())
	m.Bytes()[3*abi.WasmPageSize] = 0xcc
	require.NoError(t, m.Release())

	// Another module's image, then none: only what each asks for.
	dropSpares(t)
	for range 2 {
		m, err = p.AcquireImage(4, 8, other)
		require.NoError(t, err)
		require.True(t, bytes.Equal(otherWant, m.Bytes()), "memory reads as the other image")
		m.Bytes()[70000] = 0
		require.NoError(t, m.Release())
		m, err = p.Acquire(4, 8)
		require.NoError(t, err)
		require.Nil(t, m.Image())
		require.True(t, bytes.Equal(make([]byte, len(want)), m.Bytes()), "memory without an image reads as zero")
		m.Bytes()[100] = 1
		require.NoError(t, m.Release())
	}

	// An image larger than the memory asked for is refused.
	_, err = p.AcquireImage(3, 8, img)
	require.ErrorContains(t, err, "does not fit 3 pages")
}

func TestDataImageSealed(t *testing.T) {
	img, _ := testImage(t, 1, []DataSegment{{Offset: 0, Bytes: fill(100, 1)}})
	_, err := syscall.Pwrite(img.fd, []byte{2}, 0)
	require.ErrorIs(t, err, syscall.EPERM, "the memfd refuses writes")
	require.ErrorIs(t, syscall.Ftruncate(img.fd, 0), syscall.EPERM, "and shrinking")
	_, err = syscall.Mmap(img.fd, 0, 4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	require.ErrorIs(t, err, syscall.EPERM, "and writable shared mappings")
}

func TestDataImageRefuses(t *testing.T) {
	_, err := NewDataImage([]DataSegment{{Offset: abi.WasmPageSize - 1, Bytes: fill(2, 1)}}, abi.WasmPageSize)
	require.ErrorContains(t, err, "does not fit a memory of 65536 bytes")
	_, err = NewDataImage([]DataSegment{{Offset: 10, Bytes: nil}}, abi.WasmPageSize)
	require.ErrorContains(t, err, "no data")
	var many []DataSegment
	for i := range maxImageRuns + 1 {
		many = append(many, DataSegment{Offset: uint32(i) * 2 * imageGap, Bytes: fill(1, 1)})
	}
	_, err = NewDataImage(many, 65536*abi.WasmPageSize)
	require.ErrorContains(t, err, "not supported: data image of 65 separate runs")
	img, _ := testImage(t, 1, []DataSegment{{Offset: 0, Bytes: fill(1, 1)}})
	require.NoError(t, img.Close())
	p := NewMemoryPool(1, 0)
	defer p.Close()
	_, err = p.AcquireImage(1, 1, img)
	require.ErrorContains(t, err, "data image is closed")
}

func TestMergeRuns(t *testing.T) {
	runs := mergeRuns([]pageRun{{40960, 45056}, {0, 4096}, {4096, 8192}, {20480, 24576}, {1 << 20, 1<<20 + 4096}}, imageGap)
	require.Equal(t, []pageRun{{0, 45056}, {1 << 20, 1<<20 + 4096}}, runs)
}

func TestTakePrefersImage(t *testing.T) {
	const w = abi.WasmPageSize
	img, other := &DataImage{}, &DataImage{}
	s := []idleMemory{{accessible: 4 * w, resident: 0}, {accessible: 2 * w, img: img, resident: 1}, {accessible: 4 * w, img: other, resident: 2}, {accessible: 4 * w, img: img, resident: 3}, {accessible: 3 * w, resident: 4}}
	require.Equal(t, 3, take(&s, 4*w, img).resident, "the same image at the same size")
	require.Equal(t, 1, take(&s, 4*w, img).resident, "the same image at another size")
	require.Equal(t, 2, take(&s, 4*w, img).resident, "else the best fit, the most recently released of equals")
}
