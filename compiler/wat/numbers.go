package wat

import (
	"errors"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

var errRange = errors.New("constant out of range")
var errSyntax = errors.New("unexpected token")

// digits parses a run of digits in base 10 or 16 separated by single
// underscores, saturating at 2^64 (ok is false on overflow).
func digits(s string, hex bool) (v uint64, overflow bool, ok bool) {
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' {
		return 0, false, false
	}
	base := uint64(10)
	if hex {
		base = 16
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' {
			if s[i-1] == '_' {
				return 0, false, false
			}
			continue
		}
		d := hexVal(c)
		if d < 0 || (!hex && d > 9) {
			return 0, false, false
		}
		hi, lo := bits.Mul64(v, base)
		lo, carry := bits.Add64(lo, uint64(d), 0)
		if hi != 0 || carry != 0 {
			overflow = true
		}
		v = lo
	}
	return v, overflow, true
}

// parseNat parses an unsigned integer literal that must fit in n bits.
func parseNat(s string, n uint) (uint64, error) {
	hex := false
	if strings.HasPrefix(s, "0x") {
		hex, s = true, s[2:]
	}
	v, over, ok := digits(s, hex)
	if !ok {
		return 0, errSyntax
	}
	if over || (n < 64 && v>>n != 0) {
		return 0, errRange
	}
	return v, nil
}

// parseInt parses an integer literal of an n-bit integer type: signed or
// unsigned interpretations are accepted, the result is the bit pattern.
func parseInt(s string, n uint) (uint64, error) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
		if s == "" || s[0] == '+' || s[0] == '-' {
			return 0, errSyntax
		}
	}
	v, err := parseNat(s, n)
	if err != nil {
		return 0, err
	}
	mask := uint64(math.MaxUint64)
	if n < 64 {
		mask = 1<<n - 1
	}
	if neg {
		if v > 1<<(n-1) {
			return 0, errRange
		}
		return -v & mask, nil
	}
	return v, nil
}

// floatFormat describes an IEEE 754 binary format.
type floatFormat struct {
	mant uint // explicit mantissa bits
	exp  uint // exponent bits
}

var (
	f32Format = floatFormat{23, 8}
	f64Format = floatFormat{52, 11}
)

// parseFloat parses a float literal into the bits of the format: decimal
// and hexadecimal literals are rounded to nearest, ties to even; literals
// that round to infinity are out of range.
func parseFloat(s string, f floatFormat) (uint64, error) {
	var sign uint64
	if s != "" && (s[0] == '+' || s[0] == '-') {
		if s[0] == '-' {
			sign = 1 << (f.mant + f.exp)
		}
		s = s[1:]
	}
	expAll := uint64(1)<<f.exp - 1
	switch {
	case s == "inf":
		return sign | expAll<<f.mant, nil
	case s == "nan":
		return sign | expAll<<f.mant | 1<<(f.mant-1), nil
	case strings.HasPrefix(s, "nan:0x"):
		p, over, ok := digits(s[6:], true)
		if !ok {
			return 0, errSyntax
		}
		if over || p == 0 || p>>f.mant != 0 {
			return 0, errRange
		}
		return sign | expAll<<f.mant | p, nil
	case strings.HasPrefix(s, "0x"):
		v, err := parseHexFloat(s[2:], f)
		return sign | v, err
	}
	if !validDecimalFloat(s) {
		return 0, errSyntax
	}
	clean := strings.ReplaceAll(s, "_", "")
	if f.mant == 23 {
		v, err := strconv.ParseFloat(clean, 32)
		if err != nil || math.IsInf(v, 0) {
			return 0, errRange
		}
		return sign | uint64(math.Float32bits(float32(v))), nil
	}
	v, err := strconv.ParseFloat(clean, 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, errRange
	}
	return sign | math.Float64bits(v), nil
}

// validDecimalFloat checks num ('.' num?)? ([eE] [+-]? num)?.
func validDecimalFloat(s string) bool {
	mant, exp, hasExp := cutAny(s, "eE")
	intPart, frac, hasDot := strings.Cut(mant, ".")
	if _, _, ok := digits(intPart, false); !ok {
		return false
	}
	if hasDot && frac != "" {
		if _, _, ok := digits(frac, false); !ok {
			return false
		}
	}
	if hasExp {
		if exp != "" && (exp[0] == '+' || exp[0] == '-') {
			exp = exp[1:]
		}
		if _, _, ok := digits(exp, false); !ok {
			return false
		}
	}
	return true
}

func cutAny(s, chars string) (before, after string, found bool) {
	if i := strings.IndexAny(s, chars); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

// parseHexFloat parses hexnum ('.' hexnum?)? ([pP] [+-]? num)? (after 0x)
// with exact rounding: up to 60 significant bits are kept, the rest only
// matter as a sticky bit.
func parseHexFloat(s string, f floatFormat) (uint64, error) {
	mant, expStr, hasExp := cutAny(s, "pP")
	intPart, frac, hasDot := strings.Cut(mant, ".")
	if _, _, ok := digits(intPart, true); !ok {
		return 0, errSyntax
	}
	if hasDot && frac != "" {
		if _, _, ok := digits(frac, true); !ok {
			return 0, errSyntax
		}
	}
	var exp int64
	if hasExp {
		neg := false
		if expStr != "" && (expStr[0] == '+' || expStr[0] == '-') {
			neg = expStr[0] == '-'
			expStr = expStr[1:]
		}
		e, over, ok := digits(expStr, false)
		if !ok {
			return 0, errSyntax
		}
		if over || e > 1<<40 {
			e = 1 << 40 // far beyond any format; keeps arithmetic in range
		}
		exp = int64(e)
		if neg {
			exp = -exp
		}
	}
	var m uint64
	sticky := false
	// add appends a digit; fraction digits scale the value down by 16,
	// integer digits that do not fit scale it up.
	add := func(d int, fraction bool) {
		if m>>56 != 0 {
			if d != 0 {
				sticky = true
			}
			if !fraction {
				exp += 4
			}
			return
		}
		m = m<<4 | uint64(d)
		if fraction {
			exp -= 4
		}
	}
	for i := 0; i < len(intPart); i++ {
		if intPart[i] != '_' {
			add(hexVal(intPart[i]), false)
		}
	}
	for i := 0; i < len(frac); i++ {
		if frac[i] != '_' {
			add(hexVal(frac[i]), true)
		}
	}
	return roundFloat(m, exp, sticky, f)
}

// roundFloat rounds m·2^exp (plus a sticky nonzero remainder below m's last
// bit) to the format, returning its bits without sign.
func roundFloat(m uint64, exp int64, sticky bool, f floatFormat) (uint64, error) {
	if m == 0 {
		return 0, nil
	}
	p := int64(f.mant) + 1
	bias := int64(1)<<(f.exp-1) - 1
	emin := 1 - bias
	n := int64(bits.Len64(m))
	e := exp + n - 1 // exponent of the leading bit
	keep := p
	if e < emin {
		keep = p - (emin - e)
	}
	shift := n - keep
	switch {
	case shift > n:
		return 0, nil
	case shift > 0:
		half := uint64(1) << (shift - 1)
		rem := m & (half<<1 - 1)
		m >>= shift
		if rem > half || (rem == half && (sticky || m&1 == 1)) {
			m++
		}
	case shift < 0:
		m <<= -shift
	}
	if e < emin {
		// Subnormal (a carry into the normal range sets the exponent field to 1).
		return m, nil
	}
	if m == 1<<p {
		m >>= 1
		e++
	}
	if e > bias {
		return 0, errRange
	}
	return uint64(e+bias)<<f.mant | m&(1<<f.mant-1), nil
}
