package testsuite

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Bits is a wasm value as raw bits: i32/f32 in the low 32 bits, i64/f64/references in all 64,
// v128 as two words (Lo, Hi).
type Bits struct {
	Lo, Hi uint64
}

// Pattern is an expected result: exact bits, or a NaN class for floats (per lane for v128).
type Pattern struct {
	Type  string   // i32 i64 f32 f64 v128 funcref externref
	Bits  Bits     // exact value when no NaN class applies
	NaN   []string // per lane ("" = exact, "nan:canonical", "nan:arithmetic"); one entry for scalars
	Lane  string   // v128 lane type
	IsNil bool     // ref.null expected
}

// ParseArg converts an argument of an action to bits.
func ParseArg(v Value) (Bits, error) {
	p, err := ParseExpected(v)
	if err != nil {
		return Bits{}, err
	}
	for _, n := range p.NaN {
		if n != "" {
			return Bits{}, fmt.Errorf("argument cannot be a NaN pattern (%s)", n)
		}
	}
	return p.Bits, nil
}

// ParseExpected converts an expected result.
func ParseExpected(v Value) (Pattern, error) {
	p := Pattern{Type: v.Type, Lane: v.LaneType}
	switch v.Type {
	case "i32", "i64", "f32", "f64":
		var s string
		if err := json.Unmarshal(v.Value, &s); err != nil {
			return p, fmt.Errorf("%s value %s: %v", v.Type, v.Value, err)
		}
		bits, nan, err := parseScalar(v.Type, s)
		if err != nil {
			return p, err
		}
		p.Bits.Lo = bits
		p.NaN = []string{nan}
	case "funcref", "externref":
		var s string
		if err := json.Unmarshal(v.Value, &s); err != nil {
			return p, fmt.Errorf("%s value %s: %v", v.Type, v.Value, err)
		}
		if s == "null" {
			p.IsNil = true
			return p, nil
		}
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return p, fmt.Errorf("%s value %q: %v", v.Type, s, err)
		}
		p.Bits.Lo = n
	case "v128":
		var lanes []string
		if err := json.Unmarshal(v.Value, &lanes); err != nil {
			return p, fmt.Errorf("v128 value %s: %v", v.Value, err)
		}
		width, scalar, err := laneShape(v.LaneType)
		if err != nil {
			return p, err
		}
		if len(lanes)*width != 128 {
			return p, fmt.Errorf("v128 with %d lanes of %s", len(lanes), v.LaneType)
		}
		p.NaN = make([]string, len(lanes))
		var buf [16]byte
		for i, l := range lanes {
			bits, nan, err := parseScalar(scalar, l)
			if err != nil {
				return p, err
			}
			p.NaN[i] = nan
			for b := 0; b < width/8; b++ {
				buf[i*width/8+b] = byte(bits >> (8 * b))
			}
		}
		for b := 0; b < 8; b++ {
			p.Bits.Lo |= uint64(buf[b]) << (8 * b)
			p.Bits.Hi |= uint64(buf[8+b]) << (8 * b)
		}
	default:
		return p, fmt.Errorf("not supported: value type %q", v.Type)
	}
	return p, nil
}

// laneShape gives the lane width in bits and the scalar type used to parse a lane.
func laneShape(lane string) (int, string, error) {
	switch lane {
	case "i8":
		return 8, "i8", nil
	case "i16":
		return 16, "i16", nil
	case "i32", "f32":
		return 32, lane, nil
	case "i64", "f64":
		return 64, lane, nil
	}
	return 0, "", fmt.Errorf("unknown v128 lane type %q", lane)
}

// parseScalar parses a wast2json scalar: integers as unsigned decimal of their bit pattern (or
// signed, which wast2json also writes for lanes), floats as the decimal of their bit pattern, or a
// NaN class.
func parseScalar(typ, s string) (bits uint64, nan string, err error) {
	if strings.HasPrefix(s, "nan:") {
		if typ != "f32" && typ != "f64" {
			return 0, "", fmt.Errorf("%s value %q: NaN pattern on an integer", typ, s)
		}
		return 0, s, nil
	}
	size := map[string]int{"i8": 8, "i16": 16, "i32": 32, "f32": 32, "i64": 64, "f64": 64}[typ]
	if size == 0 {
		return 0, "", fmt.Errorf("unknown scalar type %q", typ)
	}
	if u, err := strconv.ParseUint(s, 10, size); err == nil {
		return u, "", nil
	}
	i, err := strconv.ParseInt(s, 10, size)
	if err != nil {
		return 0, "", fmt.Errorf("%s value %q: %v", typ, s, err)
	}
	return uint64(i) & mask(size), "", nil
}

func mask(size int) uint64 {
	if size == 64 {
		return math.MaxUint64
	}
	return 1<<size - 1
}

// Match reports whether got satisfies the pattern, and if not, a description of both.
func (p Pattern) Match(got Bits) (bool, string) {
	switch p.Type {
	case "i32":
		return uint32(got.Lo) == uint32(p.Bits.Lo), fmt.Sprintf("want i32 %d, got %d", uint32(p.Bits.Lo), uint32(got.Lo))
	case "i64":
		return got.Lo == p.Bits.Lo, fmt.Sprintf("want i64 %d, got %d", p.Bits.Lo, got.Lo)
	case "f32":
		ok := matchFloat(32, p.NaN[0], p.Bits.Lo, got.Lo)
		return ok, fmt.Sprintf("want f32 %s, got %s", describeFloat(32, p.NaN[0], p.Bits.Lo), describeFloat(32, "", got.Lo))
	case "f64":
		ok := matchFloat(64, p.NaN[0], p.Bits.Lo, got.Lo)
		return ok, fmt.Sprintf("want f64 %s, got %s", describeFloat(64, p.NaN[0], p.Bits.Lo), describeFloat(64, "", got.Lo))
	case "funcref", "externref":
		if p.IsNil {
			return got.Lo == 0, fmt.Sprintf("want %s null, got %#x", p.Type, got.Lo)
		}
		return got.Lo == p.Bits.Lo, fmt.Sprintf("want %s %d, got %d", p.Type, p.Bits.Lo, got.Lo)
	case "v128":
		width, _, _ := laneShape(p.Lane)
		ok := true
		for i, nan := range p.NaN {
			w := lane(p.Bits, i, width)
			g := lane(got, i, width)
			if p.Lane == "f32" || p.Lane == "f64" {
				ok = ok && matchFloat(width, nan, w, g)
			} else {
				ok = ok && w == g
			}
		}
		return ok, fmt.Sprintf("want v128 %s %#016x%016x (NaN classes %v), got %#016x%016x", p.Lane, p.Bits.Hi, p.Bits.Lo, p.NaN, got.Hi, got.Lo)
	}
	return false, "unknown type " + p.Type
}

func lane(b Bits, i, width int) uint64 {
	bit := i * width
	var w uint64
	if bit < 64 {
		w = b.Lo >> bit
	} else {
		w = b.Hi >> (bit - 64)
	}
	return w & mask(width)
}

func matchFloat(width int, nan string, want, got uint64) bool {
	var expMask, quiet, payload uint64
	if width == 32 {
		expMask, quiet, payload = 0x7f80_0000, 0x0040_0000, 0x007f_ffff
		got &= 0xffff_ffff
	} else {
		expMask, quiet, payload = 0x7ff0_0000_0000_0000, 0x0008_0000_0000_0000, 0x000f_ffff_ffff_ffff
	}
	isNaN := got&expMask == expMask && got&payload != 0
	switch nan {
	case "":
		return got == want&mask(width)
	case "nan:canonical":
		return isNaN && got&payload == quiet // sign is free
	case "nan:arithmetic":
		return isNaN && got&quiet != 0
	}
	return false
}

func describeFloat(width int, nan string, bits uint64) string {
	if nan != "" {
		return nan
	}
	if width == 32 {
		return fmt.Sprintf("%v (%#08x)", math.Float32frombits(uint32(bits)), uint32(bits))
	}
	return fmt.Sprintf("%v (%#016x)", math.Float64frombits(bits), bits)
}
