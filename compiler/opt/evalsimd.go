package opt

import (
	"math"
	"math/bits"
	"strings"

	"github.com/wasiaot/wasiaot/compiler/ssa"
)

// V128 is the value of a v128 (low half first), or of a scalar argument
// or result of a vector op (in Lo: i32 and f32 in its low 32 bits).
type V128 struct{ Lo, Hi uint64 }

func (v V128) bytes() (b [16]byte) {
	for i := range 8 {
		b[i] = byte(v.Lo >> (8 * i))
		b[i+8] = byte(v.Hi >> (8 * i))
	}
	return b
}

func fromBytes(b [16]byte) (v V128) {
	for i := range 8 {
		v.Lo |= uint64(b[i]) << (8 * i)
		v.Hi |= uint64(b[i+8]) << (8 * i)
	}
	return v
}

// lane returns lane i of width w bytes, zero-extended.
func (v V128) lane(w, i int) uint64 {
	bits := w * 8
	pos := i * bits
	x := v.Lo
	if pos >= 64 {
		x, pos = v.Hi, pos-64
	}
	if bits == 64 {
		return x
	}
	return x >> pos & (1<<bits - 1)
}

// slane returns lane i of width w bytes, sign-extended.
func (v V128) slane(w, i int) int64 {
	sh := 64 - 8*w
	return int64(v.lane(w, i)<<sh) >> sh
}

func (v *V128) setLane(w, i int, x uint64) {
	bits := w * 8
	pos := i * bits
	p := &v.Lo
	if pos >= 64 {
		p, pos = &v.Hi, pos-64
	}
	if bits == 64 {
		*p = x
		return
	}
	mask := uint64(1<<bits-1) << pos
	*p = *p&^mask | x<<pos&mask
}

// simdShape is the lane layout named by an op's prefix.
type simdShape struct {
	w     int // lane width in bytes
	n     int // lane count
	float bool
}

func shapeOf(name string) simdShape {
	switch {
	case strings.HasPrefix(name, "i8x16."):
		return simdShape{1, 16, false}
	case strings.HasPrefix(name, "i16x8."):
		return simdShape{2, 8, false}
	case strings.HasPrefix(name, "i32x4."):
		return simdShape{4, 4, false}
	case strings.HasPrefix(name, "i64x2."):
		return simdShape{8, 2, false}
	case strings.HasPrefix(name, "f32x4."):
		return simdShape{4, 4, true}
	case strings.HasPrefix(name, "f64x2."):
		return simdShape{8, 2, true}
	}
	return simdShape{1, 16, false}
}

// EvalSIMD computes a pure vector op on its arguments with wasm's
// semantics (aux and aux2 are the op's immediates). A NaN computed by
// float arithmetic is the canonical NaN. It returns false for ops that are
// not pure (loads and stores) or unknown.
func EvalSIMD(op ssa.Op, aux, aux2 int64, args []V128) (V128, bool) {
	if !op.IsSIMD() || op.Info().Effects != 0 || len(args) != len(op.Info().Args) {
		return V128{}, false
	}
	name := op.String()
	sh := shapeOf(name)
	_, suffix, _ := strings.Cut(name, ".")
	var x, y V128
	if len(args) > 0 {
		x = args[0]
	}
	if len(args) > 1 {
		y = args[1]
	}
	var r V128
	// lanewise applies f to every lane of x (and y).
	lanewise := func(f func(a, b uint64) uint64) V128 {
		var r V128
		for i := range sh.n {
			r.setLane(sh.w, i, f(x.lane(sh.w, i), y.lane(sh.w, i)))
		}
		return r
	}
	slanewise := func(f func(a, b int64) int64) V128 {
		var r V128
		for i := range sh.n {
			r.setLane(sh.w, i, uint64(f(x.slane(sh.w, i), y.slane(sh.w, i))))
		}
		return r
	}
	bits := uint(8 * sh.w)
	mask := uint64(1)<<bits - 1
	if bits == 64 {
		mask = math.MaxUint64
	}
	smin, smax := -int64(1)<<(bits-1), int64(1)<<(bits-1)-1
	mask1 := func(b bool) uint64 {
		if b {
			return mask
		}
		return 0
	}
	if sh.float {
		if r, ok := evalFloatSIMD(sh, suffix, x, y); ok {
			return r, true
		}
	}
	switch suffix {
	case "const":
		return V128{uint64(aux), uint64(aux2)}, true
	case "splat":
		for i := range sh.n {
			r.setLane(sh.w, i, x.Lo&mask)
		}
		return r, true
	case "extract_lane", "extract_lane_u":
		return V128{Lo: x.lane(sh.w, int(aux))}, true
	case "extract_lane_s":
		return V128{Lo: uint64(uint32(int32(x.slane(sh.w, int(aux)))))}, true
	case "replace_lane":
		r = x
		r.setLane(sh.w, int(aux), y.Lo&mask)
		return r, true
	case "shuffle":
		xb, yb := x.bytes(), y.bytes()
		var out [16]byte
		lanes := V128{uint64(aux), uint64(aux2)}.bytes()
		for i, l := range lanes {
			if l < 16 {
				out[i] = xb[l]
			} else {
				out[i] = yb[l&15]
			}
		}
		return fromBytes(out), true
	case "swizzle":
		xb, yb := x.bytes(), y.bytes()
		var out [16]byte
		for i, l := range yb {
			if l < 16 {
				out[i] = xb[l]
			}
		}
		return fromBytes(out), true
	case "not":
		return V128{^x.Lo, ^x.Hi}, true
	case "and":
		return V128{x.Lo & y.Lo, x.Hi & y.Hi}, true
	case "andnot":
		return V128{x.Lo &^ y.Lo, x.Hi &^ y.Hi}, true
	case "or":
		return V128{x.Lo | y.Lo, x.Hi | y.Hi}, true
	case "xor":
		return V128{x.Lo ^ y.Lo, x.Hi ^ y.Hi}, true
	case "bitselect":
		c := args[2]
		return V128{x.Lo&c.Lo | y.Lo&^c.Lo, x.Hi&c.Hi | y.Hi&^c.Hi}, true
	case "any_true":
		return V128{Lo: b2u(x.Lo|x.Hi != 0)}, true
	case "all_true":
		all := true
		for i := range sh.n {
			all = all && x.lane(sh.w, i) != 0
		}
		return V128{Lo: b2u(all)}, true
	case "bitmask":
		var m uint64
		for i := range sh.n {
			m |= x.lane(sh.w, i) >> (bits - 1) << i
		}
		return V128{Lo: m}, true
	case "eq":
		return lanewise(func(a, b uint64) uint64 { return mask1(a == b) }), true
	case "ne":
		return lanewise(func(a, b uint64) uint64 { return mask1(a != b) }), true
	case "lt_s":
		return slanewise(func(a, b int64) int64 { return int64(mask1(a < b)) }), true
	case "lt_u":
		return lanewise(func(a, b uint64) uint64 { return mask1(a < b) }), true
	case "gt_s":
		return slanewise(func(a, b int64) int64 { return int64(mask1(a > b)) }), true
	case "gt_u":
		return lanewise(func(a, b uint64) uint64 { return mask1(a > b) }), true
	case "le_s":
		return slanewise(func(a, b int64) int64 { return int64(mask1(a <= b)) }), true
	case "le_u":
		return lanewise(func(a, b uint64) uint64 { return mask1(a <= b) }), true
	case "ge_s":
		return slanewise(func(a, b int64) int64 { return int64(mask1(a >= b)) }), true
	case "ge_u":
		return lanewise(func(a, b uint64) uint64 { return mask1(a >= b) }), true
	case "abs":
		return slanewise(func(a, _ int64) int64 {
			if a < 0 {
				return -a
			}
			return a
		}), true
	case "neg":
		return lanewise(func(a, _ uint64) uint64 { return -a }), true
	case "popcnt":
		return lanewise(func(a, _ uint64) uint64 { return uint64(bitsOnes(a)) }), true
	case "add":
		return lanewise(func(a, b uint64) uint64 { return a + b }), true
	case "sub":
		return lanewise(func(a, b uint64) uint64 { return a - b }), true
	case "mul":
		return lanewise(func(a, b uint64) uint64 { return a * b }), true
	case "add_sat_s":
		return slanewise(func(a, b int64) int64 { return min(max(a+b, smin), smax) }), true
	case "sub_sat_s":
		return slanewise(func(a, b int64) int64 { return min(max(a-b, smin), smax) }), true
	case "add_sat_u":
		return lanewise(func(a, b uint64) uint64 { return min(a+b, mask) }), true
	case "sub_sat_u":
		return lanewise(func(a, b uint64) uint64 {
			if a < b {
				return 0
			}
			return a - b
		}), true
	case "min_s":
		return slanewise(func(a, b int64) int64 { return min(a, b) }), true
	case "min_u":
		return lanewise(func(a, b uint64) uint64 { return min(a, b) }), true
	case "max_s":
		return slanewise(func(a, b int64) int64 { return max(a, b) }), true
	case "max_u":
		return lanewise(func(a, b uint64) uint64 { return max(a, b) }), true
	case "avgr_u":
		return lanewise(func(a, b uint64) uint64 { return (a + b + 1) >> 1 }), true
	case "q15mulr_sat_s":
		return slanewise(func(a, b int64) int64 { return min(max((a*b+0x4000)>>15, smin), smax) }), true
	case "shl", "shr_s", "shr_u":
		n := uint(y.Lo) % bits
		switch suffix {
		case "shl":
			return lanewise(func(a, _ uint64) uint64 { return a << n }), true
		case "shr_u":
			return lanewise(func(a, _ uint64) uint64 { return a >> n }), true
		}
		return slanewise(func(a, _ int64) int64 { return a >> n }), true
	case "dot_i16x8_s":
		for i := range 4 {
			s := x.slane(2, 2*i)*y.slane(2, 2*i) + x.slane(2, 2*i+1)*y.slane(2, 2*i+1)
			r.setLane(4, i, uint64(s))
		}
		return r, true
	}
	// Narrowing, widening and conversions between shapes: the source
	// shape is named in the suffix.
	if src, ok := narrowSource(suffix); ok {
		lo, hi := smin, smax
		if strings.HasSuffix(suffix, "_u") {
			lo, hi = 0, int64(mask)
		}
		for i := range src.n {
			r.setLane(sh.w, i, uint64(min(max(x.slane(src.w, i), lo), hi)))
			r.setLane(sh.w, i+src.n, uint64(min(max(y.slane(src.w, i), lo), hi)))
		}
		return r, true
	}
	half := sh.n // lanes of the source half
	signed := strings.HasSuffix(suffix, "_s")
	src := func(v V128, i int) uint64 {
		if signed {
			return uint64(v.slane(sh.w/2, i))
		}
		return v.lane(sh.w/2, i)
	}
	switch {
	case strings.HasPrefix(suffix, "extend_low_"), strings.HasPrefix(suffix, "extend_high_"):
		base := 0
		if strings.HasPrefix(suffix, "extend_high_") {
			base = half
		}
		for i := range sh.n {
			r.setLane(sh.w, i, src(x, base+i)&mask)
		}
		return r, true
	case strings.HasPrefix(suffix, "extmul_low_"), strings.HasPrefix(suffix, "extmul_high_"):
		base := 0
		if strings.HasPrefix(suffix, "extmul_high_") {
			base = half
		}
		for i := range sh.n {
			r.setLane(sh.w, i, src(x, base+i)*src(y, base+i)&mask)
		}
		return r, true
	case strings.HasPrefix(suffix, "extadd_pairwise_"):
		for i := range sh.n {
			r.setLane(sh.w, i, (src(x, 2*i)+src(x, 2*i+1))&mask)
		}
		return r, true
	}
	if r, ok := evalConvertSIMD(name, x); ok {
		return r, true
	}
	return V128{}, false
}

// narrowSource returns the source shape of a narrow op.
func narrowSource(suffix string) (simdShape, bool) {
	switch suffix {
	case "narrow_i16x8_s", "narrow_i16x8_u":
		return simdShape{2, 8, false}, true
	case "narrow_i32x4_s", "narrow_i32x4_u":
		return simdShape{4, 4, false}, true
	}
	return simdShape{}, false
}

func bitsOnes(x uint64) int { return bits.OnesCount64(x) }

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// evalFloatSIMD computes the lanewise float ops.
func evalFloatSIMD(sh simdShape, suffix string, x, y V128) (V128, bool) {
	var r V128
	f32op := func(f func(a, b float32) float32) V128 {
		for i := range 4 {
			z := f(math.Float32frombits(uint32(x.lane(4, i))), math.Float32frombits(uint32(y.lane(4, i))))
			b, _ := r32(z)
			r.setLane(4, i, b)
		}
		return r
	}
	f64op := func(f func(a, b float64) float64) V128 {
		for i := range 2 {
			z := f(math.Float64frombits(x.lane(8, i)), math.Float64frombits(y.lane(8, i)))
			b, _ := r64(z)
			r.setLane(8, i, b)
		}
		return r
	}
	cmp := func(f func(a, b float64) bool) V128 {
		for i := range sh.n {
			var a, b float64
			if sh.w == 4 {
				a, b = float64(math.Float32frombits(uint32(x.lane(4, i)))), float64(math.Float32frombits(uint32(y.lane(4, i))))
			} else {
				a, b = math.Float64frombits(x.lane(8, i)), math.Float64frombits(y.lane(8, i))
			}
			var m uint64
			if f(a, b) {
				m = math.MaxUint64
			}
			r.setLane(sh.w, i, m)
		}
		return r
	}
	// Bit operations on the sign keep NaN payloads.
	signBit := uint64(1) << (8*sh.w - 1)
	bitop := func(f func(a uint64) uint64) V128 {
		for i := range sh.n {
			r.setLane(sh.w, i, f(x.lane(sh.w, i)))
		}
		return r
	}
	// pick returns x's or y's lane unchanged, as chosen by less.
	pick := func(takeY func(a, b float64) bool) V128 {
		for i := range sh.n {
			var a, b float64
			if sh.w == 4 {
				a, b = float64(math.Float32frombits(uint32(x.lane(4, i)))), float64(math.Float32frombits(uint32(y.lane(4, i))))
			} else {
				a, b = math.Float64frombits(x.lane(8, i)), math.Float64frombits(y.lane(8, i))
			}
			if takeY(a, b) {
				r.setLane(sh.w, i, y.lane(sh.w, i))
			} else {
				r.setLane(sh.w, i, x.lane(sh.w, i))
			}
		}
		return r
	}
	unary := func(f func(float64) float64) V128 {
		if sh.w == 4 {
			return f32op(func(a, _ float32) float32 { return float32(f(float64(a))) })
		}
		return f64op(func(a, _ float64) float64 { return f(a) })
	}
	binary := func(f32f func(a, b float32) float32, f64f func(a, b float64) float64) V128 {
		if sh.w == 4 {
			return f32op(f32f)
		}
		return f64op(f64f)
	}
	switch suffix {
	case "eq":
		return cmp(func(a, b float64) bool { return a == b }), true
	case "ne":
		return cmp(func(a, b float64) bool { return a != b }), true
	case "lt":
		return cmp(func(a, b float64) bool { return a < b }), true
	case "gt":
		return cmp(func(a, b float64) bool { return a > b }), true
	case "le":
		return cmp(func(a, b float64) bool { return a <= b }), true
	case "ge":
		return cmp(func(a, b float64) bool { return a >= b }), true
	case "abs":
		return bitop(func(a uint64) uint64 { return a &^ signBit }), true
	case "neg":
		return bitop(func(a uint64) uint64 { return a ^ signBit }), true
	case "sqrt":
		return unary(math.Sqrt), true
	case "ceil":
		return unary(math.Ceil), true
	case "floor":
		return unary(math.Floor), true
	case "trunc":
		return unary(math.Trunc), true
	case "nearest":
		return unary(math.RoundToEven), true
	case "add":
		return binary(func(a, b float32) float32 { return a + b }, func(a, b float64) float64 { return a + b }), true
	case "sub":
		return binary(func(a, b float32) float32 { return a - b }, func(a, b float64) float64 { return a - b }), true
	case "mul":
		return binary(func(a, b float32) float32 { return a * b }, func(a, b float64) float64 { return a * b }), true
	case "div":
		return binary(func(a, b float32) float32 { return a / b }, func(a, b float64) float64 { return a / b }), true
	case "min":
		return binary(func(a, b float32) float32 { return float32(fmin(float64(a), float64(b))) }, fmin), true
	case "max":
		return binary(func(a, b float32) float32 { return float32(fmax(float64(a), float64(b))) }, fmax), true
	case "pmin":
		return pick(func(a, b float64) bool { return b < a }), true
	case "pmax":
		return pick(func(a, b float64) bool { return a < b }), true
	}
	return V128{}, false
}

// satInt truncates f toward zero and saturates it to [lo, hi]; NaN is 0.
func satInt(f, lo, hi float64) float64 {
	switch {
	case f != f:
		return 0
	case f <= lo:
		return lo
	case f >= hi:
		return hi
	}
	return math.Trunc(f)
}

// evalConvertSIMD computes the conversions between float and integer
// shapes.
func evalConvertSIMD(name string, x V128) (V128, bool) {
	var r V128
	f32 := func(i int) float64 { return float64(math.Float32frombits(uint32(x.lane(4, i)))) }
	f64 := func(i int) float64 { return math.Float64frombits(x.lane(8, i)) }
	switch name {
	case "i32x4.trunc_sat_f32x4_s":
		for i := range 4 {
			r.setLane(4, i, uint64(int64(satInt(f32(i), math.MinInt32, math.MaxInt32))))
		}
	case "i32x4.trunc_sat_f32x4_u":
		for i := range 4 {
			r.setLane(4, i, uint64(satInt(f32(i), 0, math.MaxUint32)))
		}
	case "i32x4.trunc_sat_f64x2_s_zero":
		for i := range 2 {
			r.setLane(4, i, uint64(int64(satInt(f64(i), math.MinInt32, math.MaxInt32))))
		}
	case "i32x4.trunc_sat_f64x2_u_zero":
		for i := range 2 {
			r.setLane(4, i, uint64(satInt(f64(i), 0, math.MaxUint32)))
		}
	case "f32x4.convert_i32x4_s":
		for i := range 4 {
			r.setLane(4, i, uint64(math.Float32bits(float32(int32(x.lane(4, i))))))
		}
	case "f32x4.convert_i32x4_u":
		for i := range 4 {
			r.setLane(4, i, uint64(math.Float32bits(float32(uint32(x.lane(4, i))))))
		}
	case "f64x2.convert_low_i32x4_s":
		for i := range 2 {
			r.setLane(8, i, math.Float64bits(float64(int32(x.lane(4, i)))))
		}
	case "f64x2.convert_low_i32x4_u":
		for i := range 2 {
			r.setLane(8, i, math.Float64bits(float64(uint32(x.lane(4, i)))))
		}
	case "f32x4.demote_f64x2_zero":
		for i := range 2 {
			b, _ := r32(float32(f64(i)))
			r.setLane(4, i, b)
		}
	case "f64x2.promote_low_f32x4":
		for i := range 2 {
			b, _ := r64(f32(i))
			r.setLane(8, i, b)
		}
	default:
		return V128{}, false
	}
	return r, true
}
