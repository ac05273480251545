package runtime

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// A table too large for the vmctx block gets its elements from the pool
// of element mappings: the next instance reuses the mapping, and sees none
// of the last one's elements.
func TestLargeTableElementsReused(t *testing.T) {
	const size = 3 * inlineElems
	rt := newRuntime(t)
	m := load(t, rt, func(b *builder) {
		b.m.Tables = []artifact.TableType{{Elem: artifact.FuncRef, Limits: artifact.Limits{Min: size}}}
		b.m.Elems = []artifact.ElemSegment{
			{Mode: artifact.Active, Offset: i32c(size - 2), Type: artifact.FuncRef, Funcs: []uint32{0}},
		}
		b.export("tab", artifact.KindTable, 0)
		b.constFn("hundred", 100, true)
	})
	var elems uintptr
	for i := range 3 {
		inst := instantiate(t, m, nil)
		tab := inst.Table("tab")
		require.EqualValues(t, size, tab.Size())
		if i == 0 {
			elems = tab.d().Elems
		} else {
			require.Equal(t, elems, tab.d().Elems, "instance %d: the elements were mapped again", i)
		}
		for j := uint32(0); j < size; j++ {
			v, err := tab.Get(j)
			require.NoError(t, err)
			if j == size-2 {
				require.NotZero(t, v)
			} else {
				require.Zero(t, v, "instance %d, element %d", i, j)
			}
		}
		// Leave something behind for the next instance not to see.
		require.NoError(t, tab.SetFunc(7, inst.ExportedFunction("hundred")))
		require.NoError(t, inst.Close())
		require.True(t, pooledElems(elems), "instance %d: its elements did not go back to the pool", i)
	}
}

func pooledElems(addr uintptr) bool {
	elemPool.mu.Lock()
	defer elemPool.mu.Unlock()
	for _, l := range elemPool.free {
		for _, b := range l {
			if addrOf(b) == addr {
				return true
			}
		}
	}
	return false
}
