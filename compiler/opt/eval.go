package opt

import (
	"math"
	"math/bits"

	"github.com/wasiaot/wasiaot/compiler/ssa"
)

// canEval marks the ops that eval knows.
var canEval [ssa.NumOps]bool

func init() {
	for op := ssa.Op(0); int(op) < ssa.NumOps; op++ {
		if _, ok := eval(op, 1, 1); ok {
			canEval[op] = true
		}
	}
}

const (
	canonNaN32 = 0x7fc00000
	canonNaN64 = 0x7ff8000000000000
)

func f32(x uint64) float32 { return math.Float32frombits(uint32(x)) }
func f64(x uint64) float64 { return math.Float64frombits(x) }

// r32 and r64 return the bits of a float result, with any NaN made the
// canonical NaN.
func r32(x float32) (uint64, bool) {
	if x != x {
		return canonNaN32, true
	}
	return uint64(math.Float32bits(x)), true
}

func r64(x float64) (uint64, bool) {
	if x != x {
		return canonNaN64, true
	}
	return math.Float64bits(x), true
}

func b2i(b bool) (uint64, bool) {
	if b {
		return 1, true
	}
	return 0, true
}

// eval computes op on constant arguments (i32 and f32 in the low 32 bits).
// It returns false when the op is not foldable or would trap.
func eval(op ssa.Op, x, y uint64) (uint64, bool) {
	x32, y32 := uint32(x), uint32(y)
	switch op {
	case ssa.OpI32Add:
		return uint64(x32 + y32), true
	case ssa.OpI32Sub:
		return uint64(x32 - y32), true
	case ssa.OpI32Mul:
		return uint64(x32 * y32), true
	case ssa.OpI32And:
		return uint64(x32 & y32), true
	case ssa.OpI32Or:
		return uint64(x32 | y32), true
	case ssa.OpI32Xor:
		return uint64(x32 ^ y32), true
	case ssa.OpI32Shl:
		return uint64(x32 << (y32 & 31)), true
	case ssa.OpI32ShrS:
		return uint64(uint32(int32(x32) >> (y32 & 31))), true
	case ssa.OpI32ShrU:
		return uint64(x32 >> (y32 & 31)), true
	case ssa.OpI32Rotl:
		return uint64(bits.RotateLeft32(x32, int(y32&31))), true
	case ssa.OpI32Rotr:
		return uint64(bits.RotateLeft32(x32, -int(y32&31))), true
	case ssa.OpI32DivS:
		if y32 == 0 || int32(x32) == math.MinInt32 && int32(y32) == -1 {
			return 0, false
		}
		return uint64(uint32(int32(x32) / int32(y32))), true
	case ssa.OpI32DivU:
		if y32 == 0 {
			return 0, false
		}
		return uint64(x32 / y32), true
	case ssa.OpI32RemS:
		if y32 == 0 {
			return 0, false
		}
		if int32(y32) == -1 {
			return 0, true
		}
		return uint64(uint32(int32(x32) % int32(y32))), true
	case ssa.OpI32RemU:
		if y32 == 0 {
			return 0, false
		}
		return uint64(x32 % y32), true
	case ssa.OpI32Clz:
		return uint64(bits.LeadingZeros32(x32)), true
	case ssa.OpI32Ctz:
		return uint64(bits.TrailingZeros32(x32)), true
	case ssa.OpI32Popcnt:
		return uint64(bits.OnesCount32(x32)), true
	case ssa.OpI32Eqz:
		return b2i(x32 == 0)
	case ssa.OpI32Extend8S:
		return uint64(uint32(int32(int8(x32)))), true
	case ssa.OpI32Extend16S:
		return uint64(uint32(int32(int16(x32)))), true

	case ssa.OpI64Add:
		return x + y, true
	case ssa.OpI64Sub:
		return x - y, true
	case ssa.OpI64Mul:
		return x * y, true
	case ssa.OpI64And:
		return x & y, true
	case ssa.OpI64Or:
		return x | y, true
	case ssa.OpI64Xor:
		return x ^ y, true
	case ssa.OpI64Shl:
		return x << (y & 63), true
	case ssa.OpI64ShrS:
		return uint64(int64(x) >> (y & 63)), true
	case ssa.OpI64ShrU:
		return x >> (y & 63), true
	case ssa.OpI64Rotl:
		return bits.RotateLeft64(x, int(y&63)), true
	case ssa.OpI64Rotr:
		return bits.RotateLeft64(x, -int(y&63)), true
	case ssa.OpI64DivS:
		if y == 0 || int64(x) == math.MinInt64 && int64(y) == -1 {
			return 0, false
		}
		return uint64(int64(x) / int64(y)), true
	case ssa.OpI64DivU:
		if y == 0 {
			return 0, false
		}
		return x / y, true
	case ssa.OpI64RemS:
		if y == 0 {
			return 0, false
		}
		if int64(y) == -1 {
			return 0, true
		}
		return uint64(int64(x) % int64(y)), true
	case ssa.OpI64RemU:
		if y == 0 {
			return 0, false
		}
		return x % y, true
	case ssa.OpI64Clz:
		return uint64(bits.LeadingZeros64(x)), true
	case ssa.OpI64Ctz:
		return uint64(bits.TrailingZeros64(x)), true
	case ssa.OpI64Popcnt:
		return uint64(bits.OnesCount64(x)), true
	case ssa.OpI64Eqz:
		return b2i(x == 0)
	case ssa.OpI64Extend8S:
		return uint64(int64(int8(x))), true
	case ssa.OpI64Extend16S:
		return uint64(int64(int16(x))), true
	case ssa.OpI64Extend32S:
		return uint64(int64(int32(x))), true

	case ssa.OpI32Eq:
		return b2i(x32 == y32)
	case ssa.OpI32Ne:
		return b2i(x32 != y32)
	case ssa.OpI32LtS:
		return b2i(int32(x32) < int32(y32))
	case ssa.OpI32LtU:
		return b2i(x32 < y32)
	case ssa.OpI32GtS:
		return b2i(int32(x32) > int32(y32))
	case ssa.OpI32GtU:
		return b2i(x32 > y32)
	case ssa.OpI32LeS:
		return b2i(int32(x32) <= int32(y32))
	case ssa.OpI32LeU:
		return b2i(x32 <= y32)
	case ssa.OpI32GeS:
		return b2i(int32(x32) >= int32(y32))
	case ssa.OpI32GeU:
		return b2i(x32 >= y32)
	case ssa.OpI64Eq:
		return b2i(x == y)
	case ssa.OpI64Ne:
		return b2i(x != y)
	case ssa.OpI64LtS:
		return b2i(int64(x) < int64(y))
	case ssa.OpI64LtU:
		return b2i(x < y)
	case ssa.OpI64GtS:
		return b2i(int64(x) > int64(y))
	case ssa.OpI64GtU:
		return b2i(x > y)
	case ssa.OpI64LeS:
		return b2i(int64(x) <= int64(y))
	case ssa.OpI64LeU:
		return b2i(x <= y)
	case ssa.OpI64GeS:
		return b2i(int64(x) >= int64(y))
	case ssa.OpI64GeU:
		return b2i(x >= y)

	case ssa.OpI32WrapI64:
		return uint64(uint32(x)), true
	case ssa.OpI64ExtendI32S:
		return uint64(int64(int32(x32))), true
	case ssa.OpI64ExtendI32U:
		return uint64(x32), true
	}
	return evalFloat(op, x, y)
}
