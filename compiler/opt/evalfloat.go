package opt

import (
	"math"

	"github.com/wasiaot/wasiaot/compiler/ssa"
)

const (
	sign32 = 1 << 31
	sign64 = 1 << 63
)

// fmin and fmax follow wasm: NaN if either operand is NaN, and -0 < +0.
func fmin(x, y float64) float64 {
	switch {
	case x != x || y != y:
		return math.NaN()
	case x == 0 && y == 0:
		if math.Signbit(x) {
			return x
		}
		return y
	case x < y:
		return x
	}
	return y
}

func fmax(x, y float64) float64 {
	switch {
	case x != x || y != y:
		return math.NaN()
	case x == 0 && y == 0:
		if math.Signbit(x) {
			return y
		}
		return x
	case x > y:
		return x
	}
	return y
}

// Exclusive bounds of the float values that truncate into each integer
// range; all are exactly representable in float64.
const (
	i32Lo = -2147483649.0
	i32Hi = 2147483648.0
	u32Hi = 4294967296.0
	i64Hi = 9223372036854775808.0
	u64Hi = 18446744073709551616.0
)

// truncOK reports whether x truncates into the range (lo, hi) exclusive.
func truncOK(x, lo, hi float64) bool { return x > lo && x < hi }

// i64 truncation is exact down to -2^63 inclusive.
func truncI64OK(x float64) bool { return x >= -i64Hi && x < i64Hi }

func satI32(x float64) uint64 {
	switch {
	case x != x:
		return 0
	case x <= i32Lo:
		return 1 << 31
	case x >= i32Hi:
		return math.MaxInt32
	}
	return uint64(uint32(int32(x)))
}

func satU32(x float64) uint64 {
	switch {
	case x != x || x <= -1:
		return 0
	case x >= u32Hi:
		return math.MaxUint32
	}
	return uint64(uint32(x))
}

func satI64(x float64) uint64 {
	switch {
	case x != x:
		return 0
	case x < -i64Hi:
		return 1 << 63
	case x >= i64Hi:
		return math.MaxInt64
	}
	return uint64(int64(x))
}

func satU64(x float64) uint64 {
	switch {
	case x != x || x <= -1:
		return 0
	case x >= u64Hi:
		return math.MaxUint64
	}
	return uint64(x)
}

// evalFloat is eval for float arithmetic, comparisons and conversions.
func evalFloat(op ssa.Op, x, y uint64) (uint64, bool) {
	a32, b32 := f32(x), f32(y)
	a64, b64 := f64(x), f64(y)
	switch op {
	case ssa.OpF32Add:
		return r32(a32 + b32)
	case ssa.OpF32Sub:
		return r32(a32 - b32)
	case ssa.OpF32Mul:
		return r32(a32 * b32)
	case ssa.OpF32Div:
		return r32(a32 / b32)
	case ssa.OpF32Min:
		return r32(float32(fmin(float64(a32), float64(b32))))
	case ssa.OpF32Max:
		return r32(float32(fmax(float64(a32), float64(b32))))
	case ssa.OpF32Copysign:
		return uint64(uint32(x)&^sign32 | uint32(y)&sign32), true
	case ssa.OpF32Abs:
		return uint64(uint32(x) &^ sign32), true
	case ssa.OpF32Neg:
		return uint64(uint32(x) ^ sign32), true
	case ssa.OpF32Sqrt:
		// Rounding the float64 square root to float32 is correctly rounded.
		return r32(float32(math.Sqrt(float64(a32))))
	case ssa.OpF32Ceil:
		return r32(float32(math.Ceil(float64(a32))))
	case ssa.OpF32Floor:
		return r32(float32(math.Floor(float64(a32))))
	case ssa.OpF32Trunc:
		return r32(float32(math.Trunc(float64(a32))))
	case ssa.OpF32Nearest:
		return r32(float32(math.RoundToEven(float64(a32))))

	case ssa.OpF64Add:
		return r64(a64 + b64)
	case ssa.OpF64Sub:
		return r64(a64 - b64)
	case ssa.OpF64Mul:
		return r64(a64 * b64)
	case ssa.OpF64Div:
		return r64(a64 / b64)
	case ssa.OpF64Min:
		return r64(fmin(a64, b64))
	case ssa.OpF64Max:
		return r64(fmax(a64, b64))
	case ssa.OpF64Copysign:
		return x&^sign64 | y&sign64, true
	case ssa.OpF64Abs:
		return x &^ sign64, true
	case ssa.OpF64Neg:
		return x ^ sign64, true
	case ssa.OpF64Sqrt:
		return r64(math.Sqrt(a64))
	case ssa.OpF64Ceil:
		return r64(math.Ceil(a64))
	case ssa.OpF64Floor:
		return r64(math.Floor(a64))
	case ssa.OpF64Trunc:
		return r64(math.Trunc(a64))
	case ssa.OpF64Nearest:
		return r64(math.RoundToEven(a64))

	case ssa.OpF32Eq:
		return b2i(a32 == b32)
	case ssa.OpF32Ne:
		return b2i(a32 != b32)
	case ssa.OpF32Lt:
		return b2i(a32 < b32)
	case ssa.OpF32Gt:
		return b2i(a32 > b32)
	case ssa.OpF32Le:
		return b2i(a32 <= b32)
	case ssa.OpF32Ge:
		return b2i(a32 >= b32)
	case ssa.OpF64Eq:
		return b2i(a64 == b64)
	case ssa.OpF64Ne:
		return b2i(a64 != b64)
	case ssa.OpF64Lt:
		return b2i(a64 < b64)
	case ssa.OpF64Gt:
		return b2i(a64 > b64)
	case ssa.OpF64Le:
		return b2i(a64 <= b64)
	case ssa.OpF64Ge:
		return b2i(a64 >= b64)
	}
	return evalConvert(op, x)
}

// evalConvert folds conversions. Trapping truncations fold only when they
// would not trap.
func evalConvert(op ssa.Op, x uint64) (uint64, bool) {
	var src float64
	switch op {
	case ssa.OpI32TruncF32S, ssa.OpI32TruncF32U, ssa.OpI64TruncF32S, ssa.OpI64TruncF32U,
		ssa.OpI32TruncSatF32S, ssa.OpI32TruncSatF32U, ssa.OpI64TruncSatF32S, ssa.OpI64TruncSatF32U:
		src = float64(f32(x))
	default:
		src = f64(x)
	}
	switch op {
	case ssa.OpI32TruncF32S, ssa.OpI32TruncF64S:
		if !truncOK(src, i32Lo, i32Hi) {
			return 0, false
		}
		return uint64(uint32(int32(src))), true
	case ssa.OpI32TruncF32U, ssa.OpI32TruncF64U:
		if !truncOK(src, -1, u32Hi) {
			return 0, false
		}
		return uint64(uint32(src)), true
	case ssa.OpI64TruncF32S, ssa.OpI64TruncF64S:
		if !truncI64OK(src) {
			return 0, false
		}
		return uint64(int64(src)), true
	case ssa.OpI64TruncF32U, ssa.OpI64TruncF64U:
		if !truncOK(src, -1, u64Hi) {
			return 0, false
		}
		return uint64(src), true
	case ssa.OpI32TruncSatF32S, ssa.OpI32TruncSatF64S:
		return satI32(src), true
	case ssa.OpI32TruncSatF32U, ssa.OpI32TruncSatF64U:
		return satU32(src), true
	case ssa.OpI64TruncSatF32S, ssa.OpI64TruncSatF64S:
		return satI64(src), true
	case ssa.OpI64TruncSatF32U, ssa.OpI64TruncSatF64U:
		return satU64(src), true

	case ssa.OpF32ConvertI32S:
		return r32(float32(int32(x)))
	case ssa.OpF32ConvertI32U:
		return r32(float32(uint32(x)))
	case ssa.OpF32ConvertI64S:
		return r32(float32(int64(x)))
	case ssa.OpF32ConvertI64U:
		return r32(float32(x))
	case ssa.OpF64ConvertI32S:
		return r64(float64(int32(x)))
	case ssa.OpF64ConvertI32U:
		return r64(float64(uint32(x)))
	case ssa.OpF64ConvertI64S:
		return r64(float64(int64(x)))
	case ssa.OpF64ConvertI64U:
		return r64(float64(x))
	case ssa.OpF32DemoteF64:
		return r32(float32(f64(x)))
	case ssa.OpF64PromoteF32:
		return r64(float64(f32(x)))
	case ssa.OpI32ReinterpretF32, ssa.OpF32ReinterpretI32:
		return uint64(uint32(x)), true
	case ssa.OpI64ReinterpretF64, ssa.OpF64ReinterpretI64:
		return x, true
	}
	return 0, false
}
