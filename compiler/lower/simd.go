package lower

import (
	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// simdOps maps each 0xFD subopcode to the SSA op of the same name.
var simdOps = func() (t [256]ssa.Op) {
	for sub := range t {
		info := wasm.Opcode(0xfd0000 | sub).Info()
		if info == nil {
			continue
		}
		op, ok := ssa.LookupOp(info.Name)
		if !ok || !op.IsSIMD() {
			panic("lower: no SSA op for " + info.Name)
		}
		t[sub] = op
	}
	return t
}()

// simd lowers one vector instruction: each becomes the SSA op of the same
// name, its immediates moved into Aux and Aux2.
func (l *funcLowerer) simd(ins *wasm.Instr) error {
	sub := uint32(ins.Op) & 0xffff
	var op ssa.Op
	if sub < uint32(len(simdOps)) {
		op = simdOps[sub]
	}
	if op == ssa.OpInvalid {
		return l.errorf(ins.Offset, "unexpected instruction %s", ins.Op)
	}
	b := l.b
	info := op.Info()
	switch ins.Info.Imm {
	case wasm.ImmV128:
		lo, hi := v128Halves(ins.V128)
		l.push(b.EmitAux(op, ssa.TypeV128, int64(lo), int64(hi)))
		return nil
	case wasm.ImmShuffle:
		lo, hi := v128Halves(ins.V128)
		n := len(l.stack) - 2
		l.stack[n] = b.EmitAux(op, ssa.TypeV128, int64(lo), int64(hi), l.stack[n], l.stack[n+1])
		l.stack = l.stack[:n+1]
		return nil
	case wasm.ImmMemArg:
		if info.Result == ssa.TypeVoid {
			n := len(l.stack) - 2
			b.Store(op, l.stack[n], l.stack[n+1], ins.Mem.Offset, uint8(ins.Mem.Align), ins.Mem.Mem)
			l.stack = l.stack[:n]
			return nil
		}
		n := len(l.stack) - 1
		l.stack[n] = b.Load(op, l.stack[n], ins.Mem.Offset, uint8(ins.Mem.Align), ins.Mem.Mem)
		return nil
	case wasm.ImmMemArgLane:
		n := len(l.stack) - 2
		id := b.EmitAux(op, info.Result, 0, 0, l.stack[n], l.stack[n+1])
		v := b.Func().Value(id)
		v.SetMem(ins.Mem.Offset, uint8(ins.Mem.Align), ins.Mem.Mem)
		v.SetLane(ins.Lane)
		l.stack = l.stack[:n]
		if info.Result != ssa.TypeVoid {
			l.push(id)
		}
		return nil
	}
	var lane int64
	if ins.Info.Imm == wasm.ImmLane {
		lane = int64(ins.Lane)
	}
	n := len(l.stack) - len(info.Args)
	l.stack[n] = b.EmitAux(op, info.Result, lane, 0, l.stack[n:]...)
	l.stack = l.stack[:n+1]
	return nil
}

// v128Halves splits 16 little-endian bytes into their low and high words.
func v128Halves(b [16]byte) (lo, hi uint64) {
	for i := range 8 {
		lo |= uint64(b[i]) << (8 * i)
		hi |= uint64(b[i+8]) << (8 * i)
	}
	return lo, hi
}
