package difftest

import (
	"encoding/binary"
	"math"
	"strings"

	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// The generator's v128 operations, from the decoder's opcode table, so
// that every SIMD instruction of WebAssembly 2.0 is drawn: by result
// type (nil for the stores).
var simdOps = func() map[wasm.ValType][]*wasm.OpInfo {
	m := map[wasm.ValType][]*wasm.OpInfo{}
	for sub := range 256 {
		info := wasm.Opcode(0xfd0000 | sub).Info()
		if info == nil || info.Feature != wasm.FeatureSIMD {
			continue
		}
		var out wasm.ValType
		if len(info.Out) == 1 {
			out = info.Out[0]
		}
		m[out] = append(m[out], info)
	}
	return m
}()

// nanShape returns the lane type whose arithmetic NaNs an operation may
// produce ("f32x4", "f64x2"), or "" when its result bits are determined
// by the spec (integer ops, comparisons, abs/neg, pmin/pmax, which select
// one operand's bits, and conversions from integers).
func nanShape(name string) string {
	switch name {
	case "f32x4.demote_f64x2_zero":
		return "f32x4"
	case "f64x2.promote_low_f32x4":
		return "f64x2"
	}
	shape, op, _ := strings.Cut(name, ".")
	if shape != "f32x4" && shape != "f64x2" {
		return ""
	}
	switch op {
	case "add", "sub", "mul", "div", "sqrt", "min", "max", "ceil", "floor", "trunc", "nearest":
		return shape
	}
	return ""
}

// vexpr pushes a v128 made by a SIMD operation.
func (g *modGen) vexpr(d int) {
	ops := simdOps[wasm.V128]
	g.simdOp(ops[g.pick(len(ops))], d)
}

// vscalar pushes a value of scalar type t taken from a vector: a lane,
// a bitmask, all_true or any_true.
func (g *modGen) vscalar(t wasm.ValType, d int) {
	ops := simdOps[t]
	g.simdOp(ops[g.pick(len(ops))], d)
}

// vstore stores a vector or one of its lanes.
func (g *modGen) vstore() {
	ops := simdOps[0]
	g.simdOp(ops[g.pick(len(ops))], 3)
}

// simdOp emits one SIMD instruction with its operands and immediates.
// Its arithmetic NaNs, whose payload and sign the spec leaves open, are
// replaced by zeros before anything can observe them; scalar float
// operands pass the scalar NaN guard, so that every vector's bits are
// determined.
func (g *modGen) simdOp(info *wasm.OpInfo, d int) {
	mem := info.Imm == wasm.ImmMemArg || info.Imm == wasm.ImmMemArgLane
	for i, t := range info.In {
		switch {
		case i == 0 && mem:
			g.address(1<<info.Align, d-1)
		case t == wasm.F32 || t == wasm.F64:
			g.expr(t, d-1)
			g.denan(t)
		default:
			g.expr(t, d-1)
		}
	}
	g.op(0xfd)
	g.u(uint64(info.Op & 0xffff))
	switch info.Imm {
	case wasm.ImmMemArg:
		g.memarg(info.Align)
	case wasm.ImmMemArgLane:
		g.memarg(info.Align)
		g.op(byte(g.pick(int(info.Lanes))))
	case wasm.ImmLane:
		g.op(byte(g.pick(int(info.Lanes))))
	case wasm.ImmV128:
		g.f.b = append(g.f.b, g.v128Bits()...)
	case wasm.ImmShuffle:
		for range 16 {
			if g.chance(3) {
				g.op(byte(g.pick(16))) // from one operand only
			} else {
				g.op(byte(g.pick(32)))
			}
		}
	}
	if s := nanShape(info.Name); s != "" {
		g.denanV128(s)
	}
}

// denanV128 replaces the NaN lanes (of shape f32x4 or f64x2) of the
// vector on top of the stack with zeros: v & (v == v).
func (g *modGen) denanV128(shape string) {
	s := uint64(g.f.scratch[wasm.V128])
	g.op(0x22)
	g.u(s)
	g.op(0x20)
	g.u(s)
	g.op(0x20)
	g.u(s)
	if shape == "f32x4" {
		g.vop(0x41) // f32x4.eq
	} else {
		g.vop(0x47) // f64x2.eq
	}
	g.vop(0x4e) // v128.and
}

func (g *modGen) vop(sub uint32) {
	g.op(0xfd)
	g.u(uint64(sub))
}

var interestingI16 = []uint16{0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0x8001, 0xfffe, 0xffff}

var interestingF32Bits = []uint32{0x80000000, 0x7fc00000, 0xffc00000, 0x7fa00001, 0xff800001, 0x00000001, 0x807fffff,
	0x3f000000, 0x4f000000, 0xcf000000, 0x4f800000, 0x7f7fffff, 0x7f800000, 0xff800000}

var interestingF64Bits = []uint64{0x8000000000000000, 0x7ff8000000000000, 0xfff8000000000000, 0x7ff4000000000001,
	0x0000000000000001, 0x43e0000000000000, 0xc3e0000000000000, 0x41dfffffffc00000, 0xc1e0000000200000,
	0x41efffffffe00000, 0x7ff0000000000000, 0xfff0000000000000}

// v128Bits draws a constant, lane by lane in one of the lane shapes:
// boundary integers, float specials (NaNs with payloads, -0,
// subnormals, the limits of the conversions) or random bytes.
func (g *modGen) v128Bits() []byte {
	b := make([]byte, 16)
	switch g.pick(7) {
	case 0:
		for i := range b {
			b[i] = []byte{0, 1, 0x7f, 0x80, 0x81, 0xfe, 0xff}[g.pick(7)]
		}
	case 1:
		for i := 0; i < 16; i += 2 {
			binary.LittleEndian.PutUint16(b[i:], interestingI16[g.pick(len(interestingI16))])
		}
	case 2:
		for i := 0; i < 16; i += 4 {
			binary.LittleEndian.PutUint32(b[i:], uint32(interesting[g.pick(len(interesting))]))
		}
	case 3:
		for i := 0; i < 16; i += 8 {
			binary.LittleEndian.PutUint64(b[i:], interesting[g.pick(len(interesting))])
		}
	case 4:
		for i := 0; i < 16; i += 4 {
			v := math.Float32bits(interestingF32[g.pick(len(interestingF32))])
			if g.chance(2) {
				v = interestingF32Bits[g.pick(len(interestingF32Bits))]
			}
			binary.LittleEndian.PutUint32(b[i:], v)
		}
	case 5:
		for i := 0; i < 16; i += 8 {
			v := math.Float64bits(interestingF64[g.pick(len(interestingF64))])
			if g.chance(2) {
				v = interestingF64Bits[g.pick(len(interestingF64Bits))]
			}
			binary.LittleEndian.PutUint64(b[i:], v)
		}
	default:
		for i := range b {
			b[i] = byte(g.rnd.Uint32())
		}
	}
	return b
}

// vectorNaNs says whether a module has a float vector op that may make a
// NaN whose bits the spec leaves open.
func vectorNaNs(bin []byte) bool {
	m, err := wasm.Decode(bin, Features)
	if err != nil {
		return false
	}
	var ins wasm.Instr
	for _, c := range m.Code {
		r := wasm.NewReader(c.Body, c.Start, Features)
		for r.Next(&ins) == nil {
			if ins.Op>>16 == 0xfd && nanShape(ins.Op.String()) != "" {
				return true
			}
		}
	}
	return false
}
