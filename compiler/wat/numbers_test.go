package wat

import (
	"bufio"
	"fmt"
	"math"
	"math/big"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parseLiteral(typ, lit string) (uint64, error) {
	switch typ {
	case "i8":
		return parseInt(lit, 8)
	case "i32":
		return parseInt(lit, 32)
	case "i64":
		return parseInt(lit, 64)
	case "f32":
		return parseFloat(lit, f32Format)
	case "f64":
		return parseFloat(lit, f64Format)
	}
	return 0, fmt.Errorf("bad type %s", typ)
}

// TestNumbers runs testdata/numbers.txt.
func TestNumbers(t *testing.T) {
	f, err := os.Open("testdata/numbers.txt")
	require.NoError(t, err)
	defer f.Close()
	s := bufio.NewScanner(f)
	n := 0
	for line := 1; s.Scan(); line++ {
		text := s.Text()
		if text == "" || text[0] == '#' {
			continue
		}
		in, want, ok := strings.Cut(text, " => ")
		require.True(t, ok, "line %d", line)
		typ, lit, _ := strings.Cut(in, " ")
		got, err := parseLiteral(typ, lit)
		if err != nil {
			assert.Equal(t, want, err.Error(), "line %d: %s", line, in)
		} else {
			assert.Equal(t, want, fmt.Sprintf("%x", got), "line %d: %s", line, in)
		}
		n++
	}
	require.NoError(t, s.Err())
	require.Greater(t, n, 50)
}

// TestDecimalFloatsMatchStrconv compares random decimal literals with the
// standard library's correctly rounded conversion.
func TestDecimalFloatsMatchStrconv(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 20000; i++ {
		bits := r.Uint64()
		v := math.Float64frombits(bits)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		lit := fmt.Sprintf("%.*e", r.Intn(25), math.Abs(v))
		got, err := parseFloat(lit, f64Format)
		ref := mustParse(t, lit, 64)
		if math.IsInf(ref, 0) {
			require.Error(t, err, lit)
			continue
		}
		require.NoError(t, err, lit)
		require.Equal(t, math.Float64bits(ref), got, lit)
		got32, err32 := parseFloat(lit, f32Format)
		ref32 := mustParse(t, lit, 32)
		if math.IsInf(ref32, 0) {
			require.Error(t, err32, lit)
			continue
		}
		require.NoError(t, err32, lit)
		require.Equal(t, uint64(math.Float32bits(float32(ref32))), got32, lit)
	}
}

func mustParse(t *testing.T, s string, size int) float64 {
	v, err := parseFloatStd(s, size)
	if err != nil && !math.IsInf(v, 0) {
		t.Fatalf("%s: %v", s, err)
	}
	return v
}

// TestHexFloatsMatchBig checks hexadecimal rounding in the normal range
// against math/big, which rounds to nearest even at a given precision.
func TestHexFloatsMatchBig(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	digits := "0123456789abcdef"
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		b.WriteString("0x1.")
		for j := r.Intn(30); j >= 0; j-- {
			b.WriteByte(digits[r.Intn(16)])
		}
		exp := r.Intn(200) - 100
		fmt.Fprintf(&b, "p%d", exp)
		lit := b.String()
		for _, tc := range []struct {
			f    floatFormat
			prec uint
		}{{f32Format, 24}, {f64Format, 53}} {
			got, err := parseFloat(lit, tc.f)
			require.NoError(t, err, lit)
			x, _, perr := new(big.Float).SetPrec(1000).SetMode(big.ToNearestEven).Parse(lit, 0)
			require.NoError(t, perr, lit)
			x.SetPrec(tc.prec)
			var want uint64
			if tc.prec == 24 {
				f32, _ := x.Float32()
				want = uint64(math.Float32bits(f32))
			} else {
				f64, _ := x.Float64()
				want = math.Float64bits(f64)
			}
			require.Equal(t, want, got, "%s (%d bits)", lit, tc.prec)
		}
	}
}

func parseFloatStd(s string, size int) (float64, error) {
	return strconv.ParseFloat(s, size)
}
