package regalloc

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// union returns the ranges covering the same positions as rs, ascending,
// with overlapping and touching ranges merged.
func union(rs []rng) []rng {
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(x, y rng) int { return int(x.from - y.from) })
	var out []rng
	for _, r := range rs {
		if n := len(out); n > 0 && r.from <= out[n-1].to {
			out[n-1].to = max(out[n-1].to, r.to)
			continue
		}
		out = append(out, r)
	}
	return out
}

func TestAddFixedRev(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 2000 {
		var added, rs []rng
		pos := int32(4000)
		for range r.IntN(40) {
			// Mostly descending, like the backward walk; sometimes not.
			if r.IntN(8) == 0 {
				pos = int32(r.IntN(4000))
			} else {
				pos -= int32(r.IntN(12))
			}
			x := rng0(pos, int32(1+r.IntN(6)))
			added = append(added, x)
			rs = addFixedRev(rs, x.from, x.to)
		}
		slices.Reverse(rs)
		require.Equal(t, union(added), rs, "round %d: added %v", round, added)
	}
}

func rng0(from, n int32) rng { return rng{from, from + n} }

func TestSkipEnding(t *testing.T) {
	rs := []rng{{0, 4}, {6, 8}, {8, 12}, {20, 24}, {30, 31}, {40, 50}}
	for i := range len(rs) + 1 {
		for pos := int32(-1); pos < 52; pos++ {
			want := i
			for want < len(rs) && rs[want].to <= pos {
				want++
			}
			require.Equal(t, want, skipEnding(rs, i, pos, new(int64)), "from %d, pos %d", i, pos)
		}
	}
}
