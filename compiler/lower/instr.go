package lower

import (
	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/runtime/trap"
)

// instr lowers one instruction in reachable code.
func (l *funcLowerer) instr(ins *wasm.Instr) error {
	if s := simple(ins.Op); s.kind != kindOther {
		b := l.b
		switch s.kind {
		case kindUnary:
			n := len(l.stack) - 1
			l.stack[n] = b.Op1(s.op, l.stack[n])
		case kindBinary:
			n := len(l.stack) - 2
			l.stack[n] = b.Op2(s.op, l.stack[n], l.stack[n+1])
			l.stack = l.stack[:n+1]
		case kindLoad:
			n := len(l.stack) - 1
			l.stack[n] = b.Load(s.op, l.stack[n], ins.Mem.Offset, uint8(ins.Mem.Align), ins.Mem.Mem)
		case kindStore:
			n := len(l.stack) - 2
			b.Store(s.op, l.stack[n], l.stack[n+1], ins.Mem.Offset, uint8(ins.Mem.Align), ins.Mem.Mem)
			l.stack = l.stack[:n]
		}
		return nil
	}
	if ins.Op.Prefix() == 0xFD {
		return l.simd(ins)
	}
	b := l.b
	switch ins.Op {
	case wasm.OpUnreachable:
		b.Trap(trap.Unreachable)
		l.reachable = false
	case wasm.OpNop:
	case wasm.OpBlock:
		return l.block(ins)
	case wasm.OpLoop:
		return l.loop(ins)
	case wasm.OpIf:
		return l.ifInstr(ins)
	case wasm.OpElse:
		return l.elseInstr(ins)
	case wasm.OpEnd:
		return l.end(ins)
	case wasm.OpBr:
		return l.br(ins)
	case wasm.OpBrIf:
		return l.brIf(ins)
	case wasm.OpBrTable:
		return l.brTable(ins)
	case wasm.OpReturn:
		l.returnInstr()
	case wasm.OpCall:
		return l.call(ins)
	case wasm.OpCallIndirect:
		return l.callIndirect(ins)
	case wasm.OpDrop:
		l.pop()
	case wasm.OpSelect, wasm.OpSelectT:
		n := len(l.stack) - 3
		l.stack[n] = b.Select(l.stack[n], l.stack[n+1], l.stack[n+2])
		l.stack = l.stack[:n+1]

	case wasm.OpLocalGet, wasm.OpLocalSet, wasm.OpLocalTee:
		v := ins.Index
		if uint64(v) >= uint64(len(l.localTypes)) {
			return l.errorf(ins.Offset, "local index %d out of range", v)
		}
		switch ins.Op {
		case wasm.OpLocalGet:
			l.push(l.readVar(v, l.cur.ID))
		case wasm.OpLocalSet:
			l.setLocal(v, l.pop())
		default:
			l.setLocal(v, l.stack[len(l.stack)-1])
		}
	case wasm.OpGlobalGet:
		gt, ok := l.mi.m.GlobalType(ins.Index)
		if !ok {
			return l.errorf(ins.Offset, "global index %d out of range", ins.Index)
		}
		t := valType(gt.Type)
		l.push(b.GlobalGet(ins.Index, t))
	case wasm.OpGlobalSet:
		b.GlobalSet(ins.Index, l.pop())

	case wasm.OpI32Const:
		l.push(b.I32Const(ins.I32))
	case wasm.OpI64Const:
		l.push(b.I64Const(ins.I64))
	case wasm.OpF32Const:
		l.push(b.F32Const(ins.F32))
	case wasm.OpF64Const:
		l.push(b.F64Const(ins.F64))

	case wasm.OpMemorySize:
		l.push(b.EmitAux(ssa.OpMemorySize, ssa.TypeI32, int64(ins.Index), 0))
	case wasm.OpMemoryGrow:
		n := len(l.stack) - 1
		l.stack[n] = b.EmitAux(ssa.OpMemoryGrow, ssa.TypeI32, int64(ins.Index), 0, l.stack[n])
	case wasm.OpMemoryInit:
		l.ternary(ssa.OpMemoryInit, int64(ins.Index), int64(ins.Index2))
	case wasm.OpDataDrop:
		b.EmitAux(ssa.OpDataDrop, ssa.TypeVoid, int64(ins.Index), 0)
	case wasm.OpMemoryCopy:
		l.ternary(ssa.OpMemoryCopy, int64(ins.Index), int64(ins.Index2))
	case wasm.OpMemoryFill:
		l.ternary(ssa.OpMemoryFill, int64(ins.Index), 0)

	case wasm.OpRefNull:
		t := valType(ins.RefType)
		if !t.IsRef() {
			return l.errorf(ins.Offset, "ref.null of non-reference type")
		}
		l.push(b.Emit(ssa.OpRefNull, t))
	case wasm.OpRefIsNull:
		n := len(l.stack) - 1
		l.stack[n] = b.Op1(ssa.OpRefIsNull, l.stack[n])
	case wasm.OpRefFunc:
		l.push(b.EmitAux(ssa.OpRefFunc, ssa.TypeFuncref, int64(ins.Index), 0))

	case wasm.OpTableGet:
		t, err := l.tableElem(ins)
		if err != nil {
			return err
		}
		n := len(l.stack) - 1
		l.stack[n] = b.EmitAux(ssa.OpTableGet, t, int64(ins.Index), 0, l.stack[n])
	case wasm.OpTableSet:
		n := len(l.stack) - 2
		b.EmitAux(ssa.OpTableSet, ssa.TypeVoid, int64(ins.Index), 0, l.stack[n], l.stack[n+1])
		l.stack = l.stack[:n]
	case wasm.OpTableSize:
		l.push(b.EmitAux(ssa.OpTableSize, ssa.TypeI32, int64(ins.Index), 0))
	case wasm.OpTableGrow:
		n := len(l.stack) - 2
		l.stack[n] = b.EmitAux(ssa.OpTableGrow, ssa.TypeI32, int64(ins.Index), 0, l.stack[n], l.stack[n+1])
		l.stack = l.stack[:n+1]
	case wasm.OpTableFill:
		l.ternary(ssa.OpTableFill, int64(ins.Index), 0)
	case wasm.OpTableCopy:
		l.ternary(ssa.OpTableCopy, int64(ins.Index), int64(ins.Index2))
	case wasm.OpTableInit:
		l.ternary(ssa.OpTableInit, int64(ins.Index), int64(ins.Index2))
	case wasm.OpElemDrop:
		b.EmitAux(ssa.OpElemDrop, ssa.TypeVoid, int64(ins.Index), 0)

	default:
		return l.errorf(ins.Offset, "unexpected instruction %s", ins.Op)
	}
	return nil
}

// ternary lowers a bulk operation taking three operands and producing none.
func (l *funcLowerer) ternary(op ssa.Op, aux, aux2 int64) {
	n := len(l.stack) - 3
	l.b.EmitAux(op, ssa.TypeVoid, aux, aux2, l.stack[n], l.stack[n+1], l.stack[n+2])
	l.stack = l.stack[:n]
}

func (l *funcLowerer) tableElem(ins *wasm.Instr) (ssa.Type, error) {
	tt, ok := l.mi.m.TableType(ins.Index)
	if !ok {
		return 0, l.errorf(ins.Offset, "table index %d out of range", ins.Index)
	}
	t := valType(tt.Elem)
	if !t.IsRef() {
		return 0, l.errorf(ins.Offset, "table %d has non-reference element type", ins.Index)
	}
	return t, nil
}

// sig returns the Func.Sigs index for wasm type ti.
func (l *funcLowerer) sig(ti uint32) int64 {
	if int(ti) >= len(l.sigOf) {
		l.sigOf = append(l.sigOf, make([]int32, int(ti)+1-len(l.sigOf))...)
	}
	if s := l.sigOf[ti]; s != 0 {
		return int64(s - 1)
	}
	s := l.b.Sig(l.mi.types[ti].sig)
	l.sigOf[ti] = int32(s + 1)
	return s
}

// results pushes the results of call c with wasm type si.
func (l *funcLowerer) results(c ssa.ID, si *sigInfo) {
	switch n := len(si.sig.Results); n {
	case 0:
	case 1:
		l.push(c)
	default:
		for i := range n {
			l.push(l.b.Extract(c, i))
		}
	}
}

func (l *funcLowerer) call(ins *wasm.Instr) error {
	ti, ok := l.mi.m.FuncTypeIndex(ins.Index)
	if !ok || uint64(ti) >= uint64(len(l.mi.types)) {
		return l.errorf(ins.Offset, "function index %d out of range", ins.Index)
	}
	si := &l.mi.types[ti]
	op := ssa.OpCall
	if ins.Index < uint32(l.mi.m.NumImportedFuncs()) {
		op = ssa.OpCallImport
	}
	n := len(l.stack) - len(si.sig.Params)
	c := l.b.Call(op, ins.Index, l.sig(ti), l.stack[n:]...)
	l.stack = l.stack[:n]
	l.results(c, si)
	return nil
}

func (l *funcLowerer) callIndirect(ins *wasm.Instr) error {
	ti := ins.Index
	if uint64(ti) >= uint64(len(l.mi.types)) {
		return l.errorf(ins.Offset, "type index %d out of range", ti)
	}
	si := &l.mi.types[ti]
	index := l.pop()
	n := len(l.stack) - len(si.sig.Params)
	args := append(append(l.args[:0], index), l.stack[n:]...)
	l.args = args
	sig := l.sig(ti)
	c := l.b.EmitAux(ssa.OpCallIndirect, si.sig.ResultType(), int64(ti)|int64(ins.Index2)<<32, sig, args...)
	l.stack = l.stack[:n]
	l.results(c, si)
	return nil
}
