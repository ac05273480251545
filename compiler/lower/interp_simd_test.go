package lower_test

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/wasiaot/wasiaot/compiler/opt"
	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/runtime/trap"
)

// The test interpreter keeps the high half of every v128 value in a
// second slice; call arguments and results are words, two per v128 (low
// half first). Vector arithmetic is opt.EvalSIMD, checked here against
// the spec suite's assertions.

func sigHasV128(s *ssa.Signature) bool {
	for _, t := range s.Params {
		if t == ssa.TypeV128 {
			return true
		}
	}
	for _, t := range s.Results {
		if t == ssa.TypeV128 {
			return true
		}
	}
	return false
}

// usesV128 reports whether v needs execV128: it has a v128 result or
// argument, is a vector op, or passes v128 values through a call.
func usesV128(f *ssa.Func, v *ssa.Value) bool {
	if v.Type == ssa.TypeV128 || v.Op.IsSIMD() {
		return true
	}
	switch v.Op {
	case ssa.OpCall, ssa.OpCallImport, ssa.OpCallIndirect:
		return sigHasV128(&f.Sigs[v.Aux2])
	case ssa.OpExtract:
		return usesV128(f, f.Value(v.Args[0]))
	}
	for _, a := range v.Args {
		if f.Value(a).Type == ssa.TypeV128 {
			return true
		}
	}
	return false
}

// words lists the values ids as words, two per v128.
func words(f *ssa.Func, ids []ssa.ID, vals, his []uint64) []uint64 {
	out := make([]uint64, 0, len(ids))
	for _, id := range ids {
		out = append(out, vals[id])
		if f.Value(id).Type == ssa.TypeV128 {
			out = append(out, his[id])
		}
	}
	return out
}

func (x *instance) execV128(f *ssa.Func, v *ssa.Value, vals, his []uint64, tuples map[ssa.ID][]uint64) (lo, hi uint64, err error) {
	arg := func(i int) opt.V128 { return opt.V128{Lo: vals[v.Args[i]], Hi: his[v.Args[i]]} }
	switch v.Op {
	case ssa.OpCopy:
		return vals[v.Args[0]], his[v.Args[0]], nil
	case ssa.OpSelect:
		if uint32(vals[v.Args[2]]) != 0 {
			return vals[v.Args[0]], his[v.Args[0]], nil
		}
		return vals[v.Args[1]], his[v.Args[1]], nil
	case ssa.OpGlobalGet:
		return x.globals[v.Aux], x.globalHi[v.Aux], nil
	case ssa.OpGlobalSet:
		x.globals[v.Aux], x.globalHi[v.Aux] = vals[v.Args[0]], his[v.Args[0]]
		return 0, 0, nil
	case ssa.OpCall, ssa.OpCallIndirect:
		sig := &f.Sigs[v.Aux2]
		callee := uint32(v.Aux)
		args := v.Args
		if v.Op == ssa.OpCallIndirect {
			t := x.tables[v.TableIndex()]
			i := uint64(uint32(vals[v.Args[0]]))
			if i >= uint64(len(t)) {
				return 0, 0, raise(trap.TableOutOfBounds)
			}
			if t[i] == 0 {
				return 0, 0, raise(trap.UninitializedElement)
			}
			callee = uint32(t[i] - 1)
			ft, _ := x.m.FuncType(callee)
			if !ft.Equal(&x.m.Types[v.TypeIndex()]) {
				return 0, 0, raise(trap.IndirectCallTypeMismatch)
			}
			args = args[1:]
		}
		res, err := x.call(callee, words(f, args, vals, his))
		if err != nil {
			return 0, 0, err
		}
		switch len(sig.Results) {
		case 0:
			return 0, 0, nil
		case 1:
			if sig.Results[0] == ssa.TypeV128 {
				return res[0], res[1], nil
			}
			return res[0], 0, nil
		}
		tuples[v.ID] = res
		return 0, 0, nil
	case ssa.OpExtract:
		call := f.Value(v.Args[0])
		res := tuples[call.ID]
		w := 0
		for _, t := range f.Sigs[call.Aux2].Results[:v.Aux] {
			w++
			if t == ssa.TypeV128 {
				w++
			}
		}
		if v.Type == ssa.TypeV128 {
			return res[w], res[w+1], nil
		}
		return res[w], 0, nil
	}
	if !v.Op.IsSIMD() {
		return 0, 0, fmt.Errorf("%w: %s with v128", errUnsupported, v.Op)
	}
	info := v.Op.Info()
	if info.Aux == ssa.AuxMem || info.Aux == ssa.AuxMemLane {
		r, err := x.memV128(v, arg)
		return r.Lo, r.Hi, err
	}
	args := make([]opt.V128, len(v.Args))
	for i := range args {
		args[i] = arg(i)
	}
	r, ok := opt.EvalSIMD(v.Op, v.Aux, v.Aux2, args)
	if !ok {
		return 0, 0, fmt.Errorf("%w: %s", errUnsupported, v.Op)
	}
	if v.Type == ssa.TypeI32 {
		r.Lo = uint64(uint32(r.Lo))
	}
	return r.Lo, r.Hi, nil
}

// memV128 runs a vector load or store: the bytes are read or written
// here, the reshaping done by the pure op of the same meaning.
func (x *instance) memV128(v *ssa.Value, arg func(int) opt.V128) (opt.V128, error) {
	name := strings.TrimPrefix(v.Op.String(), "v128.")
	size := 16
	var then ssa.Op // applied to the bytes read
	switch {
	case name == "load", name == "store":
	case strings.HasSuffix(name, "_lane"), strings.HasSuffix(name, "_zero"), strings.HasSuffix(name, "_splat"):
		digits := strings.TrimLeft(name, "loadstore")
		digits = digits[:strings.IndexByte(digits, '_')]
		n, _ := strconv.Atoi(digits)
		size = n / 8
		if strings.HasSuffix(name, "_splat") {
			then, _ = ssa.LookupOp(map[int]string{1: "i8x16", 2: "i16x8", 4: "i32x4", 8: "i64x2"}[size] + ".splat")
		}
	default: // load8x8_s and the like: 8 bytes, extended
		size = 8
		shape := map[byte]string{'8': "i16x8.extend_low_i8x16", '1': "i32x4.extend_low_i16x8", '3': "i64x2.extend_low_i32x4"}[name[4]]
		then, _ = ssa.LookupOp(shape + name[len(name)-2:])
	}
	ea := uint64(uint32(arg(0).Lo)) + v.Offset()
	if ea+uint64(size) > uint64(len(x.mem)) {
		return opt.V128{}, raise(trap.MemoryOutOfBounds)
	}
	p := x.mem[ea : ea+uint64(size)]
	lane := 0
	if v.Op.Info().Aux == ssa.AuxMemLane {
		lane = int(v.Lane())
	}
	if strings.HasPrefix(name, "store") {
		val := arg(1)
		for i := range p {
			bit := 8 * (lane*size + i)
			w := val.Lo
			if bit >= 64 {
				w, bit = val.Hi, bit-64
			}
			p[i] = byte(w >> bit)
		}
		return opt.V128{}, nil
	}
	var r opt.V128
	for i, b := range p {
		bit := 8 * i
		if strings.HasSuffix(name, "_lane") {
			bit += 8 * lane * size
		}
		if bit >= 64 {
			r.Hi |= uint64(b) << (bit - 64)
		} else {
			r.Lo |= uint64(b) << bit
		}
	}
	if strings.HasSuffix(name, "_lane") {
		// Keep the other lanes of the vector argument.
		old := arg(1)
		bit := 8 * lane * size
		m := opt.V128{}
		for i := range 8 * size {
			if b := bit + i; b >= 64 {
				m.Hi |= 1 << (b - 64)
			} else {
				m.Lo |= 1 << b
			}
		}
		r = opt.V128{Lo: old.Lo&^m.Lo | r.Lo, Hi: old.Hi&^m.Hi | r.Hi}
	}
	if then != ssa.OpInvalid {
		r, _ = opt.EvalSIMD(then, 0, 0, []opt.V128{r})
	}
	return r, nil
}
