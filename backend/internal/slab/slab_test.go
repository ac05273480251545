package slab

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGrow checks that the newest storage grows in place and that older
// storage is moved with its contents.
func TestGrow(t *testing.T) {
	var s Slab[int]
	a := append(s.Take(2), 1, 2)
	b := append(s.Take(1), 3)
	b2 := s.Grow(b, 4)
	require.Same(t, &b[0], &b2[0], "the newest storage grows in place")
	require.GreaterOrEqual(t, cap(b2)-len(b2), 4)
	a2 := s.Grow(a, 1)
	require.NotSame(t, &a[0], &a2[0], "older storage moves")
	require.Equal(t, a, a2)
	require.GreaterOrEqual(t, cap(a2)-len(a2), 1)
	// What grew in place does not overlap what was taken after it.
	b2 = append(b2, 4)
	c := append(s.Take(3), 5)
	b2 = append(b2, 6)
	require.Equal(t, []int{3, 4, 6}, b2)
	require.Equal(t, []int{5}, c)
	require.Equal(t, []int{1, 2}, a2)
}

// TestTrimAndReset checks that trimming the newest storage gives its
// unused end to the next Take, and that Reset reuses the chunks.
func TestTrimAndReset(t *testing.T) {
	s := Slab[int]{First: 64}
	a := append(s.Take(40), 1, 2, 3)
	a = s.Trim(a)
	require.Equal(t, 3+3/8+2, cap(a))
	b := s.Take(10)
	require.Same(t, &s.chunks[0][cap(a)], &b[:1][0], "the next Take starts after the trimmed end")
	s.Reset()
	c := s.Take(8)
	require.Same(t, &a[0], &c[:1][0], "Reset hands the first chunk out again")
	s.Take(4)
	require.Equal(t, 8, cap(s.Trim(c)), "older storage is not trimmed")
}
