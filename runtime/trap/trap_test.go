package trap

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The values are stored in artifacts' trap tables.
func TestValuesAreStable(t *testing.T) {
	require.Equal(t, []Kind{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, []Kind{Unreachable, IntegerDivideByZero,
		IntegerOverflow, InvalidConversion, MemoryOutOfBounds, TableOutOfBounds, UninitializedElement,
		IndirectCallTypeMismatch, StackExhausted, NullReference, UnalignedAtomic})
	require.Equal(t, Kind(32), Interrupted)
	require.Equal(t, Kind(33), HostError)
}

func TestNames(t *testing.T) {
	for _, k := range append(All(), Interrupted, HostError) {
		got, ok := ParseName(k.Name())
		require.True(t, ok, k.Name())
		require.Equal(t, k, got)
		require.NotEqual(t, "unknown trap", k.String())
	}
	_, ok := ParseName("trap?")
	require.False(t, ok)
	require.False(t, Kind(0).IsWasm())
	require.False(t, Interrupted.IsWasm())
	require.Equal(t, "unknown trap", Kind(12).String())
	require.Equal(t, "integer divide by zero", IntegerDivideByZero.String())
}
