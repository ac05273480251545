package stats

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSummarize(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name string
		in   []time.Duration
		want Summary
	}{
		{"empty", nil, Summary{}},
		{"one", []time.Duration{5 * ms}, Summary{1, 5 * ms, 5 * ms, 5 * ms, 5 * ms, 5 * ms}},
		{"odd unsorted", []time.Duration{5 * ms, 1 * ms, 3 * ms, 2 * ms, 4 * ms},
			Summary{5, 1 * ms, 2 * ms, 3 * ms, 4 * ms, 5 * ms}},
		{"even", []time.Duration{4 * ms, 1 * ms, 3 * ms, 2 * ms},
			Summary{4, 1 * ms, 1750 * time.Microsecond, 2500 * time.Microsecond, 3250 * time.Microsecond, 4 * ms}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Summarize(tc.in))
		})
	}
}

func TestSummarizeDoesNotReorderInput(t *testing.T) {
	in := []time.Duration{3, 1, 2}
	Summarize(in)
	assert.Equal(t, []time.Duration{3, 1, 2}, in)
}

func TestIQR(t *testing.T) {
	s := Summarize([]time.Duration{10, 20, 30, 40, 50})
	assert.Equal(t, time.Duration(20), s.IQR())
}

func TestGeoMean(t *testing.T) {
	assert.InDelta(t, 4.0, GeoMean([]float64{2, 8}), 1e-12)
	assert.InDelta(t, 3.0, GeoMean([]float64{3, math.NaN(), 0, -1}), 1e-12)
	require.True(t, math.IsNaN(GeoMean(nil)))
	require.True(t, math.IsNaN(GeoMean([]float64{0, math.Inf(1)})))
}

func TestRatio(t *testing.T) {
	assert.InDelta(t, 2.5, Ratio(5*time.Second, 2*time.Second), 1e-12)
	assert.True(t, math.IsNaN(Ratio(1, 0)))
}
