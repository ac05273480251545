// Package stats summarises repeated timing samples.
package stats

import (
	"math"
	"slices"
	"time"
)

// Summary describes a set of durations. Quartiles use linear interpolation
// between closest ranks, so they are defined for any non-empty sample.
type Summary struct {
	N      int
	Min    time.Duration
	Q1     time.Duration
	Median time.Duration
	Q3     time.Duration
	Max    time.Duration
}

// Summarize returns the summary of samples; the zero Summary when empty.
func Summarize(samples []time.Duration) Summary {
	if len(samples) == 0 {
		return Summary{}
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	return Summary{
		N:      len(s),
		Min:    s[0],
		Q1:     quantile(s, 0.25),
		Median: quantile(s, 0.5),
		Q3:     quantile(s, 0.75),
		Max:    s[len(s)-1],
	}
}

// IQR is the interquartile range.
func (s Summary) IQR() time.Duration { return s.Q3 - s.Q1 }

// quantile interpolates the q-th quantile of sorted s.
func quantile(s []time.Duration, q float64) time.Duration {
	pos := q * float64(len(s)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	if lo == hi {
		return s[lo]
	}
	frac := pos - float64(lo)
	return s[lo] + time.Duration(math.Round(frac*float64(s[hi]-s[lo])))
}

// GeoMean is the geometric mean of positive values; non-positive and NaN
// values are ignored. It returns NaN when no value is usable.
func GeoMean(xs []float64) float64 {
	sum, n := 0.0, 0
	for _, x := range xs {
		if x > 0 && !math.IsNaN(x) && !math.IsInf(x, 0) {
			sum += math.Log(x)
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return math.Exp(sum / float64(n))
}

// Ratio returns a/b as a float, NaN when b is zero.
func Ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}
