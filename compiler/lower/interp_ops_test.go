package lower_test

import (
	"math"
	"math/bits"

	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/runtime/trap"
)

// Numeric semantics for the test interpreter, written from the wasm spec.

func binaryOp(op ssa.Op, x, y uint64) (uint64, error) {
	a, b := uint32(x), uint32(y)
	switch op {
	case ssa.OpI32Add:
		return uint64(a + b), nil
	case ssa.OpI32Sub:
		return uint64(a - b), nil
	case ssa.OpI32Mul:
		return uint64(a * b), nil
	case ssa.OpI32And:
		return uint64(a & b), nil
	case ssa.OpI32Or:
		return uint64(a | b), nil
	case ssa.OpI32Xor:
		return uint64(a ^ b), nil
	case ssa.OpI32Shl:
		return uint64(a << (b & 31)), nil
	case ssa.OpI32ShrS:
		return uint64(uint32(int32(a) >> (b & 31))), nil
	case ssa.OpI32ShrU:
		return uint64(a >> (b & 31)), nil
	case ssa.OpI32Rotl:
		return uint64(bits.RotateLeft32(a, int(b&31))), nil
	case ssa.OpI32Rotr:
		return uint64(bits.RotateLeft32(a, -int(b&31))), nil
	case ssa.OpI32DivS:
		if b == 0 {
			return 0, raise(trap.IntegerDivideByZero)
		}
		if int32(a) == math.MinInt32 && int32(b) == -1 {
			return 0, raise(trap.IntegerOverflow)
		}
		return uint64(uint32(int32(a) / int32(b))), nil
	case ssa.OpI32DivU:
		if b == 0 {
			return 0, raise(trap.IntegerDivideByZero)
		}
		return uint64(a / b), nil
	case ssa.OpI32RemS:
		if b == 0 {
			return 0, raise(trap.IntegerDivideByZero)
		}
		if int32(b) == -1 {
			return 0, nil
		}
		return uint64(uint32(int32(a) % int32(b))), nil
	case ssa.OpI32RemU:
		if b == 0 {
			return 0, raise(trap.IntegerDivideByZero)
		}
		return uint64(a % b), nil
	case ssa.OpI32Eq:
		return b2u(a == b), nil
	case ssa.OpI32Ne:
		return b2u(a != b), nil
	case ssa.OpI32LtS:
		return b2u(int32(a) < int32(b)), nil
	case ssa.OpI32LtU:
		return b2u(a < b), nil
	case ssa.OpI32GtS:
		return b2u(int32(a) > int32(b)), nil
	case ssa.OpI32GtU:
		return b2u(a > b), nil
	case ssa.OpI32LeS:
		return b2u(int32(a) <= int32(b)), nil
	case ssa.OpI32LeU:
		return b2u(a <= b), nil
	case ssa.OpI32GeS:
		return b2u(int32(a) >= int32(b)), nil
	case ssa.OpI32GeU:
		return b2u(a >= b), nil

	case ssa.OpI64Add:
		return x + y, nil
	case ssa.OpI64Sub:
		return x - y, nil
	case ssa.OpI64Mul:
		return x * y, nil
	case ssa.OpI64And:
		return x & y, nil
	case ssa.OpI64Or:
		return x | y, nil
	case ssa.OpI64Xor:
		return x ^ y, nil
	case ssa.OpI64Shl:
		return x << (y & 63), nil
	case ssa.OpI64ShrS:
		return uint64(int64(x) >> (y & 63)), nil
	case ssa.OpI64ShrU:
		return x >> (y & 63), nil
	case ssa.OpI64Rotl:
		return bits.RotateLeft64(x, int(y&63)), nil
	case ssa.OpI64Rotr:
		return bits.RotateLeft64(x, -int(y&63)), nil
	case ssa.OpI64DivS:
		if y == 0 {
			return 0, raise(trap.IntegerDivideByZero)
		}
		if int64(x) == math.MinInt64 && int64(y) == -1 {
			return 0, raise(trap.IntegerOverflow)
		}
		return uint64(int64(x) / int64(y)), nil
	case ssa.OpI64DivU:
		if y == 0 {
			return 0, raise(trap.IntegerDivideByZero)
		}
		return x / y, nil
	case ssa.OpI64RemS:
		if y == 0 {
			return 0, raise(trap.IntegerDivideByZero)
		}
		if int64(y) == -1 {
			return 0, nil
		}
		return uint64(int64(x) % int64(y)), nil
	case ssa.OpI64RemU:
		if y == 0 {
			return 0, raise(trap.IntegerDivideByZero)
		}
		return x % y, nil
	case ssa.OpI64Eq:
		return b2u(x == y), nil
	case ssa.OpI64Ne:
		return b2u(x != y), nil
	case ssa.OpI64LtS:
		return b2u(int64(x) < int64(y)), nil
	case ssa.OpI64LtU:
		return b2u(x < y), nil
	case ssa.OpI64GtS:
		return b2u(int64(x) > int64(y)), nil
	case ssa.OpI64GtU:
		return b2u(x > y), nil
	case ssa.OpI64LeS:
		return b2u(int64(x) <= int64(y)), nil
	case ssa.OpI64LeU:
		return b2u(x <= y), nil
	case ssa.OpI64GeS:
		return b2u(int64(x) >= int64(y)), nil
	case ssa.OpI64GeU:
		return b2u(x >= y), nil

	case ssa.OpF32Add:
		return u32f(f32(x) + f32(y)), nil
	case ssa.OpF32Sub:
		return u32f(f32(x) - f32(y)), nil
	case ssa.OpF32Mul:
		return u32f(f32(x) * f32(y)), nil
	case ssa.OpF32Div:
		return u32f(f32(x) / f32(y)), nil
	case ssa.OpF32Min:
		return u32f(float32(fmin(float64(f32(x)), float64(f32(y))))), nil
	case ssa.OpF32Max:
		return u32f(float32(fmax(float64(f32(x)), float64(f32(y))))), nil
	case ssa.OpF32Copysign:
		return x&0x7FFFFFFF | y&0x80000000, nil
	case ssa.OpF32Eq:
		return b2u(f32(x) == f32(y)), nil
	case ssa.OpF32Ne:
		return b2u(f32(x) != f32(y)), nil
	case ssa.OpF32Lt:
		return b2u(f32(x) < f32(y)), nil
	case ssa.OpF32Gt:
		return b2u(f32(x) > f32(y)), nil
	case ssa.OpF32Le:
		return b2u(f32(x) <= f32(y)), nil
	case ssa.OpF32Ge:
		return b2u(f32(x) >= f32(y)), nil
	case ssa.OpF64Add:
		return u64f(f64(x) + f64(y)), nil
	case ssa.OpF64Sub:
		return u64f(f64(x) - f64(y)), nil
	case ssa.OpF64Mul:
		return u64f(f64(x) * f64(y)), nil
	case ssa.OpF64Div:
		return u64f(f64(x) / f64(y)), nil
	case ssa.OpF64Min:
		return u64f(fmin(f64(x), f64(y))), nil
	case ssa.OpF64Max:
		return u64f(fmax(f64(x), f64(y))), nil
	case ssa.OpF64Copysign:
		return x&(1<<63-1) | y&(1<<63), nil
	case ssa.OpF64Eq:
		return b2u(f64(x) == f64(y)), nil
	case ssa.OpF64Ne:
		return b2u(f64(x) != f64(y)), nil
	case ssa.OpF64Lt:
		return b2u(f64(x) < f64(y)), nil
	case ssa.OpF64Gt:
		return b2u(f64(x) > f64(y)), nil
	case ssa.OpF64Le:
		return b2u(f64(x) <= f64(y)), nil
	case ssa.OpF64Ge:
		return b2u(f64(x) >= f64(y)), nil
	}
	return 0, errUnsupported
}

func fmin(x, y float64) float64 {
	switch {
	case math.IsNaN(x) || math.IsNaN(y):
		return math.NaN()
	case x == 0 && y == 0:
		if math.Signbit(x) {
			return x
		}
		return y
	}
	return math.Min(x, y)
}

func fmax(x, y float64) float64 {
	switch {
	case math.IsNaN(x) || math.IsNaN(y):
		return math.NaN()
	case x == 0 && y == 0:
		if math.Signbit(x) {
			return y
		}
		return x
	}
	return math.Max(x, y)
}

// trunc converts f to an integer in [lo, hi) after truncation, or traps.
func trunc(f, lo, hi float64) (float64, error) {
	if math.IsNaN(f) {
		return 0, raise(trap.InvalidConversion)
	}
	t := math.Trunc(f)
	if t < lo || t >= hi {
		return 0, raise(trap.IntegerOverflow)
	}
	return t, nil
}

// sat converts f to an integer in [lo, hi], saturating; NaN is 0.
func sat(f, lo, hi float64) float64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f <= lo:
		return lo
	case f >= hi:
		return hi
	}
	return math.Trunc(f)
}

const (
	two31 = 1 << 31
	two32 = 1 << 32
	two63 = 1 << 63
	two64 = 1 << 64
)

func unaryOp(op ssa.Op, x uint64) (uint64, error) {
	a := uint32(x)
	var fx float64 // the float operand, for conversions
	switch op {
	case ssa.OpI32TruncF32S, ssa.OpI32TruncF32U, ssa.OpI64TruncF32S, ssa.OpI64TruncF32U,
		ssa.OpI32TruncSatF32S, ssa.OpI32TruncSatF32U, ssa.OpI64TruncSatF32S, ssa.OpI64TruncSatF32U:
		fx = float64(f32(x))
	default:
		fx = f64(x)
	}
	switch op {
	case ssa.OpI32Clz:
		return uint64(bits.LeadingZeros32(a)), nil
	case ssa.OpI32Ctz:
		return uint64(bits.TrailingZeros32(a)), nil
	case ssa.OpI32Popcnt:
		return uint64(bits.OnesCount32(a)), nil
	case ssa.OpI32Eqz:
		return b2u(a == 0), nil
	case ssa.OpI32Extend8S:
		return uint64(uint32(int8(a))), nil
	case ssa.OpI32Extend16S:
		return uint64(uint32(int16(a))), nil
	case ssa.OpI64Clz:
		return uint64(bits.LeadingZeros64(x)), nil
	case ssa.OpI64Ctz:
		return uint64(bits.TrailingZeros64(x)), nil
	case ssa.OpI64Popcnt:
		return uint64(bits.OnesCount64(x)), nil
	case ssa.OpI64Eqz:
		return b2u(x == 0), nil
	case ssa.OpI64Extend8S:
		return uint64(int8(x)), nil
	case ssa.OpI64Extend16S:
		return uint64(int16(x)), nil
	case ssa.OpI64Extend32S, ssa.OpI64ExtendI32S:
		return uint64(int32(x)), nil
	case ssa.OpI64ExtendI32U:
		return uint64(a), nil
	case ssa.OpI32WrapI64:
		return uint64(a), nil

	case ssa.OpF32Abs:
		return x &^ 0x80000000, nil
	case ssa.OpF32Neg:
		return uint64(a ^ 0x80000000), nil
	case ssa.OpF32Sqrt:
		return u32f(float32(math.Sqrt(float64(f32(x))))), nil
	case ssa.OpF32Ceil:
		return u32f(float32(math.Ceil(float64(f32(x))))), nil
	case ssa.OpF32Floor:
		return u32f(float32(math.Floor(float64(f32(x))))), nil
	case ssa.OpF32Trunc:
		return u32f(float32(math.Trunc(float64(f32(x))))), nil
	case ssa.OpF32Nearest:
		return u32f(float32(math.RoundToEven(float64(f32(x))))), nil
	case ssa.OpF64Abs:
		return x &^ (1 << 63), nil
	case ssa.OpF64Neg:
		return x ^ (1 << 63), nil
	case ssa.OpF64Sqrt:
		return u64f(math.Sqrt(f64(x))), nil
	case ssa.OpF64Ceil:
		return u64f(math.Ceil(f64(x))), nil
	case ssa.OpF64Floor:
		return u64f(math.Floor(f64(x))), nil
	case ssa.OpF64Trunc:
		return u64f(math.Trunc(f64(x))), nil
	case ssa.OpF64Nearest:
		return u64f(math.RoundToEven(f64(x))), nil

	case ssa.OpI32TruncF32S, ssa.OpI32TruncF64S:
		t, err := trunc(fx, -two31, two31)
		return uint64(uint32(int32(t))), err
	case ssa.OpI32TruncF32U, ssa.OpI32TruncF64U:
		t, err := trunc(fx, 0, two32)
		return uint64(uint32(t)), err
	case ssa.OpI64TruncF32S, ssa.OpI64TruncF64S:
		t, err := trunc(fx, -two63, two63)
		return uint64(int64(t)), err
	case ssa.OpI64TruncF32U, ssa.OpI64TruncF64U:
		t, err := trunc(fx, 0, two64)
		if t >= two63 {
			return uint64(t-two63) | 1<<63, err
		}
		return uint64(t), err
	case ssa.OpI32TruncSatF32S, ssa.OpI32TruncSatF64S:
		return uint64(uint32(int32(sat(fx, -two31, two31-1)))), nil
	case ssa.OpI32TruncSatF32U, ssa.OpI32TruncSatF64U:
		return uint64(uint32(sat(fx, 0, two32-1))), nil
	case ssa.OpI64TruncSatF32S, ssa.OpI64TruncSatF64S:
		switch t := sat(fx, -two63, two63); {
		case t >= two63:
			return math.MaxInt64, nil
		default:
			return uint64(int64(t)), nil
		}
	case ssa.OpI64TruncSatF32U, ssa.OpI64TruncSatF64U:
		switch t := sat(fx, 0, two64); {
		case t >= two64:
			return math.MaxUint64, nil
		case t >= two63:
			return uint64(t-two63) | 1<<63, nil
		default:
			return uint64(t), nil
		}

	case ssa.OpF32ConvertI32S:
		return u32f(float32(int32(a))), nil
	case ssa.OpF32ConvertI32U:
		return u32f(float32(a)), nil
	case ssa.OpF32ConvertI64S:
		return u32f(float32(int64(x))), nil
	case ssa.OpF32ConvertI64U:
		return u32f(float32(x)), nil
	case ssa.OpF64ConvertI32S:
		return u64f(float64(int32(a))), nil
	case ssa.OpF64ConvertI32U:
		return u64f(float64(a)), nil
	case ssa.OpF64ConvertI64S:
		return u64f(float64(int64(x))), nil
	case ssa.OpF64ConvertI64U:
		return u64f(float64(x)), nil
	case ssa.OpF32DemoteF64:
		return u32f(float32(f64(x))), nil
	case ssa.OpF64PromoteF32:
		return u64f(float64(f32(x))), nil
	case ssa.OpI32ReinterpretF32, ssa.OpF32ReinterpretI32:
		return uint64(a), nil
	case ssa.OpI64ReinterpretF64, ssa.OpF64ReinterpretI64:
		return x, nil
	}
	return 0, errUnsupported
}
