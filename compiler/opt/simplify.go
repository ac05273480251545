package opt

import (
	"math"
	"math/bits"

	"github.com/wasiaot/wasiaot/compiler/ssa"
)

// Simplify applies algebraic identities and peepholes that make values
// cheaper without changing any result, trap or NaN that wasm allows:
//
//   - identities: x+0, x-0, x*1, x|0, x^0, x&-1, shifts and rotates by a
//     multiple of the width are x; x*0, x&0, x^x, x-x are 0; x&x, x|x are x;
//     comparisons of x with itself are constants (integers only: NaN);
//   - strength reduction: x*2^k is a shift, x*-1 a negation; unsigned
//     division and remainder by 2^k are a shift and a mask, which cannot
//     trap; signed division and remainder by 2^k use a shift with the
//     rounding fixup toward zero; x rem_s ±1 is 0 (MIN rem_s -1 is 0 too);
//   - canonical forms: constants go right in commutative ops and in
//     comparisons (mirrored); x-c is x+(-c); constant chains reassociate,
//     (x op c1) op c2 = x op (c1 op c2) for add, mul, and, or, xor;
//   - booleans: eqz of a comparison is the inverse comparison (for floats
//     only eq/ne, which stay exact with NaN); eqz(eqz(b)) is b for a
//     boolean b; x==0 is eqz x; b!=0 is b; a branch, select or conditional
//     trap on eqz(x) or on x!=0 uses x directly, swapping arms or kind;
//   - extensions: wrap(extend(x)) is x; a 64-bit comparison of two
//     extended 32-bit values (or of one and a constant that fits) is a
//     32-bit comparison; eqz(extend(x)) is eqz x;
//   - negation: 0-(0-x) is x, x+(0-y) is x-y;
//   - floats, only rules that are exact bit for bit including NaN payloads:
//     neg(neg x) is x, abs(neg x) and abs(abs x) are abs x (all three act
//     on the sign bit alone); copysign by a constant is abs or neg(abs);
//     division by ±2^k whose reciprocal is a normal number is
//     multiplication by the reciprocal (both round the same exact product
//     once, and treat NaN, infinities and zeros alike). Rules like x*1.0 or
//     x+(-0) are NOT applied: an input signalling NaN must come out as an
//     arithmetic (quiet) NaN, which returning x would not do.
//
// Values that die are turned into copies for copy propagation and dead-code
// elimination to remove.
func Simplify(f *ssa.Func) bool {
	sc := getScratch()
	defer sc.release()
	s := simplifier{f: f, out: sc.ids[0][:0]}
	defer func() { sc.ids[0] = s.out[:0] }()
	for _, b := range f.ReversePostorderBuf(&sc.order) {
		s.b = b
		s.out = s.out[:0]
		grew := false
		for _, id := range b.Instrs {
			v := f.Value(id)
			s.pos = v.Pos
			n := len(s.out)
			for range 8 { // each rule makes progress; bound the chain anyway
				if !s.rewrite(v) {
					break
				}
				s.changed = true
			}
			grew = grew || len(s.out) != n
			s.out = append(s.out, id)
		}
		if grew {
			b.Instrs = append(b.Instrs[:0], s.out...)
		}
		s.branch(b)
	}
	return s.changed
}

type simplifier struct {
	f       *ssa.Func
	b       *ssa.Block
	out     []ssa.ID // the block's new instruction list
	pos     int32
	changed bool
}

// def returns the definition of id, looking through copies.
func (s *simplifier) def(id ssa.ID) *ssa.Value {
	v := s.f.Value(id)
	for v.Op == ssa.OpCopy {
		v = s.f.Value(v.Args[0])
	}
	return v
}

// intConst returns the value of an integer constant, sign-extended.
func (s *simplifier) intConst(id ssa.ID) (int64, bool) {
	v := s.def(id)
	if v.Op == ssa.OpI32Const || v.Op == ssa.OpI64Const {
		return v.Aux, true
	}
	return 0, false
}

// emit inserts a new value before the one being simplified.
func (s *simplifier) emit(op ssa.Op, t ssa.Type, aux int64, args ...ssa.ID) ssa.ID {
	v := s.f.NewValue(op, t, args...)
	v.Aux, v.Block, v.Pos = aux, s.b.ID, s.pos
	s.out = append(s.out, v.ID)
	return v.ID
}

func (s *simplifier) konst(o *intOps, c int64) ssa.ID {
	if o.bits == 32 {
		c = int64(int32(c))
	}
	return s.emit(o.konst, o.typ, c)
}

func (s *simplifier) set(v *ssa.Value, op ssa.Op, args ...ssa.ID) bool {
	v.Op, v.Aux, v.Aux2 = op, 0, 0
	if len(args) <= cap(v.Args) {
		v.Args = v.Args[:len(args):len(args)]
		copy(v.Args, args)
	} else {
		v.Args = s.f.CopyIDs(args)
	}
	return true
}

func (s *simplifier) setConst(v *ssa.Value, c int64) bool {
	setConst(v, uint64(c))
	return true
}

func (s *simplifier) copy(v *ssa.Value, x ssa.ID) bool {
	toCopy(s.f, v, x)
	return true
}

// pow2 returns k when c, as an unsigned number of the width, is 2^k.
func pow2(o *intOps, c int64) (int, bool) {
	u := uint64(c)
	if o.bits == 32 {
		u = uint64(uint32(c))
	}
	if u == 0 || u&(u-1) != 0 {
		return 0, false
	}
	return bits.TrailingZeros64(u), true
}

// rewrite applies one rule to v and reports whether it did.
func (s *simplifier) rewrite(v *ssa.Value) bool {
	for i, a := range v.Args {
		if d := s.def(a); d.ID != a {
			v.Args[i] = d.ID
		}
	}
	switch v.Op {
	case ssa.OpSelect:
		return s.selectOp(v)
	case ssa.OpTrapz, ssa.OpTrapnz:
		if flip, x, ok := s.cond(v.Args[0]); ok {
			if flip {
				v.Op = ssa.OpTrapz + ssa.OpTrapnz - v.Op
			}
			v.Args[0] = x
			return true
		}
		return false
	case ssa.OpI32WrapI64:
		if d := s.def(v.Args[0]); d.Op == ssa.OpI64ExtendI32S || d.Op == ssa.OpI64ExtendI32U {
			return s.copy(v, d.Args[0])
		}
		return false
	case ssa.OpF32Neg, ssa.OpF64Neg:
		if d := s.def(v.Args[0]); d.Op == v.Op {
			return s.copy(v, d.Args[0])
		}
		return false
	case ssa.OpF32Abs, ssa.OpF64Abs:
		d := s.def(v.Args[0])
		if d.Op == v.Op {
			return s.copy(v, d.ID)
		}
		if d.Op == v.Op+(ssa.OpF32Neg-ssa.OpF32Abs) {
			v.Args[0] = d.Args[0]
			return true
		}
		return false
	case ssa.OpF32Copysign, ssa.OpF64Copysign:
		return s.copysign(v)
	case ssa.OpF32Div, ssa.OpF64Div:
		return s.fdiv(v)
	}
	if o := widthOps(v.Op); o != nil {
		return s.intOp(v, o)
	}
	return false
}

func (s *simplifier) intOp(v *ssa.Value, o *intOps) bool {
	if v.Op == o.eqz {
		return s.eqz(v, o)
	}
	x, y := v.Args[0], v.Args[1]
	cx, xc := s.intConst(x)
	cy, yc := s.intConst(y)
	if xc && !yc {
		if v.Op.Info().Commutative {
			v.Args[0], v.Args[1] = y, x
			return true
		}
		if m := mirrorCmp[v.Op]; m != 0 {
			v.Op = m
			v.Args[0], v.Args[1] = y, x
			return true
		}
	}
	if isCompare(v.Op) {
		return s.compare(v, o, x, y, cy, yc)
	}
	switch v.Op {
	case o.add:
		if yc && cy == 0 {
			return s.copy(v, x)
		}
		if d := s.def(y); d.Op == o.sub && s.isZero(d.Args[0]) {
			return s.set(v, o.sub, x, d.Args[1]) // x + (0-z) = x - z
		}
		return yc && s.reassoc(v, o, x, cy, func(a, b int64) int64 { return a + b })
	case o.sub:
		if x == y {
			return s.setConst(v, 0)
		}
		if yc {
			if cy == 0 {
				return s.copy(v, x)
			}
			return s.set(v, o.add, x, s.konst(o, -cy))
		}
		if xc && cx == 0 {
			if d := s.def(y); d.Op == o.sub && s.isZero(d.Args[0]) {
				return s.copy(v, d.Args[1])
			}
		}
	case o.mul:
		if !yc {
			return false
		}
		switch {
		case cy == 0:
			return s.setConst(v, 0)
		case cy == 1:
			return s.copy(v, x)
		case cy == -1:
			return s.set(v, o.sub, s.konst(o, 0), x)
		}
		if k, ok := pow2(o, cy); ok {
			return s.set(v, o.shl, x, s.konst(o, int64(k)))
		}
		return s.reassoc(v, o, x, cy, func(a, b int64) int64 { return a * b })
	case o.and:
		if x == y {
			return s.copy(v, x)
		}
		if yc {
			if cy == 0 {
				return s.setConst(v, 0)
			}
			if cy == -1 {
				return s.copy(v, x)
			}
			return s.reassoc(v, o, x, cy, func(a, b int64) int64 { return a & b })
		}
	case o.or:
		if x == y {
			return s.copy(v, x)
		}
		if yc {
			if cy == 0 {
				return s.copy(v, x)
			}
			if cy == -1 {
				return s.setConst(v, -1)
			}
			return s.reassoc(v, o, x, cy, func(a, b int64) int64 { return a | b })
		}
	case o.xor:
		if x == y {
			return s.setConst(v, 0)
		}
		if yc {
			if cy == 0 {
				return s.copy(v, x)
			}
			return s.reassoc(v, o, x, cy, func(a, b int64) int64 { return a ^ b })
		}
	case o.divU, o.remU, o.divS, o.remS:
		return yc && s.divConst(v, o, x, cy)
	default: // shifts and rotates
		if xc && cx == 0 {
			return s.setConst(v, 0)
		}
		if yc {
			n := cy & int64(o.bits-1)
			if n == 0 {
				return s.copy(v, x)
			}
			if n != cy {
				v.Args[1] = s.konst(o, n) // the count is taken modulo the width
				return true
			}
		}
	}
	return false
}

func (s *simplifier) isZero(id ssa.ID) bool {
	c, ok := s.intConst(id)
	return ok && c == 0
}

// reassoc turns (z op c1) op c2 into z op (c1 op c2).
func (s *simplifier) reassoc(v *ssa.Value, o *intOps, x ssa.ID, c2 int64, fold func(a, b int64) int64) bool {
	d := s.def(x)
	if d.Op != v.Op {
		return false
	}
	c1, ok := s.intConst(d.Args[1])
	if !ok {
		return false
	}
	return s.set(v, v.Op, d.Args[0], s.konst(o, fold(c1, c2)))
}

// divConst rewrites division and remainder by a constant that makes them
// unable to trap. A zero divisor, and signed division by -1, are left to
// trap (or not) at run time.
func (s *simplifier) divConst(v *ssa.Value, o *intOps, x ssa.ID, c int64) bool {
	if c == 0 {
		return false
	}
	signed := v.Op == o.divS || v.Op == o.remS
	isDiv := v.Op == o.divS || v.Op == o.divU
	if c == 1 || signed && c == -1 && !isDiv {
		if isDiv {
			return s.copy(v, x)
		}
		return s.setConst(v, 0)
	}
	if !signed {
		k, ok := pow2(o, c)
		if !ok {
			return false
		}
		if isDiv {
			return s.set(v, o.shrU, x, s.konst(o, int64(k)))
		}
		return s.set(v, o.and, x, s.konst(o, c-1))
	}
	if !isDiv && c < 0 && c != math.MinInt64 && (o.bits == 64 || c != math.MinInt32) {
		c = -c // the remainder takes the sign of the dividend only
	}
	k, ok := pow2(o, c)
	if !ok || c < 0 || k == 0 || k >= o.bits-1 {
		return false
	}
	// Round toward zero: add 2^k-1 to negative dividends before the
	// arithmetic shift. bias is (x >>s (W-1)) >>u (W-k): 2^k-1 or 0.
	sign := s.emit(o.shrS, o.typ, 0, x, s.konst(o, int64(o.bits-1)))
	bias := s.emit(o.shrU, o.typ, 0, sign, s.konst(o, int64(o.bits-k)))
	t := s.emit(o.add, o.typ, 0, x, bias)
	if isDiv {
		return s.set(v, o.shrS, t, s.konst(o, int64(k)))
	}
	m := s.emit(o.and, o.typ, 0, t, s.konst(o, -c))
	return s.set(v, o.sub, x, m)
}

func (s *simplifier) compare(v *ssa.Value, o *intOps, x, y ssa.ID, cy int64, yc bool) bool {
	if x == y {
		switch v.Op {
		case o.eq, o.leS, o.leU, o.geS, o.geU:
			return s.setConst(v, 1)
		}
		return s.setConst(v, 0)
	}
	if yc && cy == 0 {
		switch v.Op {
		case o.eq:
			return s.set(v, o.eqz, x)
		case o.ne:
			if o.bits == 32 && isBool(s.def(x)) {
				return s.copy(v, x)
			}
		case o.ltU:
			return s.setConst(v, 0)
		case o.geU:
			return s.setConst(v, 1)
		}
	}
	if o.bits != 64 {
		return false
	}
	dx := s.def(x)
	var ext ssa.Op
	var table *[ssa.NumOps]ssa.Op
	switch dx.Op {
	case ssa.OpI64ExtendI32S:
		ext, table = dx.Op, &cmpOfSext
	case ssa.OpI64ExtendI32U:
		ext, table = dx.Op, &cmpOfZext
	default:
		return false
	}
	var ny ssa.ID
	if yc {
		fits := int64(int32(cy)) == cy
		if ext == ssa.OpI64ExtendI32U {
			fits = uint64(cy) <= math.MaxUint32
		}
		if !fits {
			return false
		}
		ny = s.konst(ops32, cy)
	} else if dy := s.def(y); dy.Op == ext {
		ny = dy.Args[0]
	} else {
		return false
	}
	return s.set(v, table[v.Op], dx.Args[0], ny)
}

func (s *simplifier) eqz(v *ssa.Value, o *intOps) bool {
	d := s.def(v.Args[0])
	if inv := invertCmp[d.Op]; inv != 0 {
		return s.set(v, inv, d.Args...)
	}
	if d.Op == ssa.OpI32Eqz && isBool(s.def(d.Args[0])) {
		return s.copy(v, d.Args[0])
	}
	if d.Op == ssa.OpI64ExtendI32S || d.Op == ssa.OpI64ExtendI32U {
		return s.set(v, ssa.OpI32Eqz, d.Args[0])
	}
	return false
}

// cond looks at an i32 condition c tested against zero and returns an
// equivalent simpler one: x when c is x!=0 (same sense) or i32.eqz x
// (inverted sense, flip=true).
func (s *simplifier) cond(c ssa.ID) (flip bool, x ssa.ID, ok bool) {
	d := s.def(c)
	switch d.Op {
	case ssa.OpI32Eqz:
		return true, d.Args[0], true
	case ssa.OpI32Ne:
		if s.isZero(d.Args[1]) {
			return false, d.Args[0], true
		}
	}
	return false, 0, false
}

func (s *simplifier) selectOp(v *ssa.Value) bool {
	if v.Args[0] == v.Args[1] {
		return s.copy(v, v.Args[0])
	}
	if flip, x, ok := s.cond(v.Args[2]); ok {
		if flip {
			v.Args[0], v.Args[1] = v.Args[1], v.Args[0]
		}
		v.Args[2] = x
		return true
	}
	return false
}

// branch simplifies the condition of b's brif.
func (s *simplifier) branch(b *ssa.Block) {
	if b.Term != ssa.OpBrIf {
		return
	}
	for range 8 {
		c := b.Controls[0]
		if d := s.def(c); d.ID != c {
			b.Controls[0] = d.ID
			s.changed = true
		}
		flip, x, ok := s.cond(b.Controls[0])
		if !ok {
			return
		}
		if flip {
			b.Succs[0], b.Succs[1] = b.Succs[1], b.Succs[0]
		}
		b.Controls[0] = x
		s.changed = true
	}
}

func (s *simplifier) copysign(v *ssa.Value) bool {
	d := s.def(v.Args[1])
	var neg bool
	switch d.Op {
	case ssa.OpF32Const:
		neg = uint32(d.Aux)>>31 != 0
	case ssa.OpF64Const:
		neg = uint64(d.Aux)>>63 != 0
	default:
		return false
	}
	abs := ssa.OpF32Abs + (v.Op - ssa.OpF32Copysign)
	if !neg {
		return s.set(v, abs, v.Args[0])
	}
	a := s.emit(abs, v.Type, 0, v.Args[0])
	return s.set(v, abs+(ssa.OpF32Neg-ssa.OpF32Abs), a)
}

// fdiv turns x / ±2^k into x * ±2^-k when 2^-k is a normal number.
func (s *simplifier) fdiv(v *ssa.Value) bool {
	d := s.def(v.Args[1])
	if v.Op == ssa.OpF32Div && d.Op == ssa.OpF32Const {
		b := uint32(d.Aux)
		e := b >> 23 & 0xff
		if b&(1<<23-1) != 0 || e < 1 || e > 253 {
			return false
		}
		r := b&(1<<31) | (254-e)<<23
		c := s.emit(ssa.OpF32Const, ssa.TypeF32, int64(r))
		return s.set(v, ssa.OpF32Mul, v.Args[0], c)
	}
	if v.Op == ssa.OpF64Div && d.Op == ssa.OpF64Const {
		b := uint64(d.Aux)
		e := b >> 52 & 0x7ff
		if b&(1<<52-1) != 0 || e < 1 || e > 2045 {
			return false
		}
		r := b&(1<<63) | (2046-e)<<52
		c := s.emit(ssa.OpF64Const, ssa.TypeF64, int64(r))
		return s.set(v, ssa.OpF64Mul, v.Args[0], c)
	}
	return false
}
