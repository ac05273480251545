package validate

import "github.com/wasiaot/wasiaot/compiler/wasm"

// instr type-checks one instruction.
func (v *funcValidator) instr(ins *wasm.Instr) error {
	info := ins.Info
	switch info.Imm {
	case wasm.ImmMemArg, wasm.ImmMemArgLane:
		if err := v.memory(0); err != nil {
			return err
		}
		if ins.Mem.Align > uint32(info.Align) {
			return v.errf(ins.Offset, "alignment must not be larger than natural")
		}
		if info.Imm == wasm.ImmMemArgLane && ins.Lane >= info.Lanes {
			return v.errf(ins.Offset, "invalid lane index %d", ins.Lane)
		}
	case wasm.ImmMemory, wasm.ImmMemFill:
		if err := v.memory(ins.Index); err != nil {
			return err
		}
	case wasm.ImmLane:
		if ins.Lane >= info.Lanes {
			return v.errf(ins.Offset, "invalid lane index %d", ins.Lane)
		}
	case wasm.ImmShuffle:
		for _, l := range ins.V128 {
			if l >= 32 {
				return v.errf(ins.Offset, "invalid lane index %d", l)
			}
		}
	case wasm.ImmMemInit, wasm.ImmMemCopy, wasm.ImmTableInit, wasm.ImmTableCopy, wasm.ImmTable:
		if err := v.bulkIndices(ins); err != nil {
			return err
		}
	}
	if info.Out != nil {
		in := info.In
		for i := len(in) - 1; i >= 0; i-- {
			if _, err := v.pop(in[i]); err != nil {
				return err
			}
		}
		for _, t := range info.Out {
			v.push(t)
		}
		return nil
	}
	return v.special(ins)
}

func (v *funcValidator) memory(idx uint32) error {
	v.info.UsesMemory = true
	if _, ok := v.m.MemoryType(idx); !ok {
		return v.errf(v.ins.Offset, "unknown memory %d", idx)
	}
	return nil
}

func (v *funcValidator) table(idx uint32) (*wasm.TableType, error) {
	v.info.UsesTables = true
	tt, ok := v.m.TableType(idx)
	if !ok {
		return nil, v.errf(v.ins.Offset, "unknown table %d", idx)
	}
	return tt, nil
}

func (v *funcValidator) elem(idx uint32) (wasm.ValType, error) {
	if uint64(idx) >= uint64(len(v.m.Elements)) {
		return 0, v.errf(v.ins.Offset, "unknown elem segment %d", idx)
	}
	return v.m.Elements[idx].ElemType, nil
}

func (v *funcValidator) dataIndex(idx uint32) error {
	n := uint32(len(v.m.Data))
	if v.m.HasDataCount {
		n = v.m.DataCount
	}
	if idx >= n {
		return v.errf(v.ins.Offset, "unknown data segment %d", idx)
	}
	if !v.m.HasDataCount {
		return v.errf(v.ins.Offset, "data count section required")
	}
	return nil
}

func (v *funcValidator) funcType(idx uint32) (*wasm.FuncType, error) {
	ft, ok := v.m.FuncType(idx)
	if !ok {
		return nil, v.errf(v.ins.Offset, "unknown function %d", idx)
	}
	return ft, nil
}

func (v *funcValidator) callIndirectType(ins *wasm.Instr) (*wasm.FuncType, error) {
	tt, err := v.table(ins.Index2)
	if err != nil {
		return nil, err
	}
	if tt.Elem != wasm.FuncRef {
		return nil, v.errf(ins.Offset, "type mismatch: call_indirect through a table of %s", tt.Elem)
	}
	if uint64(ins.Index) >= uint64(len(v.m.Types)) {
		return nil, v.errf(ins.Offset, "unknown type %d", ins.Index)
	}
	if _, err := v.pop(wasm.I32); err != nil {
		return nil, err
	}
	return &v.m.Types[ins.Index], nil
}

// tailCall checks that a callee's results match the caller's.
func (v *funcValidator) tailCall(ft *wasm.FuncType) error {
	if err := v.popAll(ft.Params); err != nil {
		return err
	}
	res := v.ft.Results
	if len(res) != len(ft.Results) {
		return v.errf(v.ins.Offset, "type mismatch: tail call results differ from the function's")
	}
	for i := range res {
		if res[i] != ft.Results[i] {
			return v.errf(v.ins.Offset, "type mismatch: tail call results differ from the function's")
		}
	}
	v.setUnreachable()
	return nil
}

// special handles the operators whose types depend on immediates or context.
func (v *funcValidator) special(ins *wasm.Instr) error {
	switch ins.Op {
	case wasm.OpUnreachable:
		v.setUnreachable()
	case wasm.OpNop:
	case wasm.OpBlock, wasm.OpLoop, wasm.OpIf:
		if err := v.blockType(ins.BlockType); err != nil {
			return err
		}
		if ins.Op == wasm.OpIf {
			if _, err := v.pop(wasm.I32); err != nil {
				return err
			}
		}
		start, _ := v.types(ins.BlockType)
		if err := v.popAll(start); err != nil {
			return err
		}
		v.pushCtrl(ins.Op, ins.BlockType)
	case wasm.OpElse:
		if v.ctrls[len(v.ctrls)-1].op != wasm.OpIf {
			return v.errf(ins.Offset, "else without matching if")
		}
		c, err := v.popCtrl()
		if err != nil {
			return err
		}
		v.pushCtrl(wasm.OpElse, c.bt)
	case wasm.OpEnd:
		c, err := v.popCtrl()
		if err != nil {
			return err
		}
		start, end := v.types(c.bt)
		if c.op == wasm.OpIf && !sameTypes(start, end) {
			return v.errf(ins.Offset, "type mismatch: if without else must leave its parameters unchanged")
		}
		v.pushAll(end)
	case wasm.OpBr:
		c, err := v.label(ins.Index)
		if err != nil {
			return err
		}
		if err := v.popAll(v.labelTypes(c)); err != nil {
			return err
		}
		v.setUnreachable()
	case wasm.OpBrIf:
		c, err := v.label(ins.Index)
		if err != nil {
			return err
		}
		if _, err := v.pop(wasm.I32); err != nil {
			return err
		}
		lt := v.labelTypes(c)
		if err := v.popAll(lt); err != nil {
			return err
		}
		v.pushAll(lt)
	case wasm.OpBrTable:
		return v.brTable(ins)
	case wasm.OpReturn:
		if err := v.popAll(v.ft.Results); err != nil {
			return err
		}
		v.setUnreachable()
	case wasm.OpCall:
		ft, err := v.funcType(ins.Index)
		if err != nil {
			return err
		}
		if err := v.popAll(ft.Params); err != nil {
			return err
		}
		v.pushAll(ft.Results)
	case wasm.OpCallIndirect:
		ft, err := v.callIndirectType(ins)
		if err != nil {
			return err
		}
		if err := v.popAll(ft.Params); err != nil {
			return err
		}
		v.pushAll(ft.Results)
	case wasm.OpReturnCall:
		ft, err := v.funcType(ins.Index)
		if err != nil {
			return err
		}
		return v.tailCall(ft)
	case wasm.OpReturnCallIndirect:
		ft, err := v.callIndirectType(ins)
		if err != nil {
			return err
		}
		return v.tailCall(ft)
	case wasm.OpDrop:
		_, err := v.popAny()
		return err
	case wasm.OpSelect:
		if _, err := v.pop(wasm.I32); err != nil {
			return err
		}
		t1, err := v.popAny()
		if err != nil {
			return err
		}
		t2, err := v.popAny()
		if err != nil {
			return err
		}
		if t1.IsRef() || t2.IsRef() {
			return v.errf(ins.Offset, "type mismatch: select without a type needs numeric or vector operands")
		}
		if t1 != t2 && t1 != unknown && t2 != unknown {
			return v.errf(ins.Offset, "type mismatch: select of %s and %s", t2, t1)
		}
		if t1 == unknown {
			t1 = t2
		}
		v.push(t1)
	case wasm.OpSelectT:
		if len(ins.Types) != 1 {
			return v.errf(ins.Offset, "invalid result arity")
		}
		t := ins.Types[0]
		if _, err := v.pop(wasm.I32); err != nil {
			return err
		}
		if _, err := v.pop(t); err != nil {
			return err
		}
		if _, err := v.pop(t); err != nil {
			return err
		}
		v.push(t)
	case wasm.OpLocalGet, wasm.OpLocalSet, wasm.OpLocalTee:
		t, ok := v.local(ins.Index)
		if !ok {
			return v.errf(ins.Offset, "unknown local %d", ins.Index)
		}
		if ins.Op != wasm.OpLocalGet {
			if _, err := v.pop(t); err != nil {
				return err
			}
		}
		if ins.Op != wasm.OpLocalSet {
			v.push(t)
		}
	case wasm.OpGlobalGet, wasm.OpGlobalSet:
		g, ok := v.m.GlobalType(ins.Index)
		if !ok {
			return v.errf(ins.Offset, "unknown global %d", ins.Index)
		}
		if ins.Op == wasm.OpGlobalGet {
			v.push(g.Type)
			return nil
		}
		if !g.Mutable {
			return v.errf(ins.Offset, "global is immutable")
		}
		_, err := v.pop(g.Type)
		return err
	case wasm.OpTableGet, wasm.OpTableSet, wasm.OpTableGrow, wasm.OpTableFill:
		tt, err := v.table(ins.Index)
		if err != nil {
			return err
		}
		switch ins.Op {
		case wasm.OpTableGet:
			if _, err := v.pop(wasm.I32); err != nil {
				return err
			}
			v.push(tt.Elem)
		case wasm.OpTableSet:
			return v.popAll(v.pair(wasm.I32, tt.Elem))
		case wasm.OpTableGrow:
			if err := v.popAll(v.pair(tt.Elem, wasm.I32)); err != nil {
				return err
			}
			v.push(wasm.I32)
		case wasm.OpTableFill:
			if _, err := v.pop(wasm.I32); err != nil {
				return err
			}
			return v.popAll(v.pair(wasm.I32, tt.Elem))
		}
	case wasm.OpRefNull:
		v.push(ins.RefType)
	case wasm.OpRefIsNull:
		t, err := v.popAny()
		if err != nil {
			return err
		}
		if t != unknown && !t.IsRef() {
			return v.errf(ins.Offset, "type mismatch: ref.is_null of %s", t)
		}
		v.push(wasm.I32)
	case wasm.OpRefFunc:
		if ins.Index >= v.numFuncs {
			return v.errf(ins.Offset, "unknown function %d", ins.Index)
		}
		if !v.declared[ins.Index] {
			return v.errf(ins.Offset, "undeclared function reference %d", ins.Index)
		}
		v.push(wasm.FuncRef)
	case wasm.OpDataDrop:
		return v.dataIndex(ins.Index)
	case wasm.OpElemDrop:
		_, err := v.elem(ins.Index)
		return err
	default:
		return v.errf(ins.Offset, "not supported: validation of %s", ins.Op)
	}
	return nil
}

func (v *funcValidator) pair(a, b wasm.ValType) []wasm.ValType {
	v.scratch = append(v.scratch[:0], a, b)
	return v.scratch
}

func (v *funcValidator) brTable(ins *wasm.Instr) error {
	if _, err := v.pop(wasm.I32); err != nil {
		return err
	}
	n := len(ins.Labels) - 1
	def, err := v.label(ins.Labels[n])
	if err != nil {
		return err
	}
	arity := len(v.labelTypes(def))
	for _, l := range ins.Labels[:n] {
		c, err := v.label(l)
		if err != nil {
			return err
		}
		lt := v.labelTypes(c)
		if len(lt) != arity {
			return v.errf(ins.Offset, "type mismatch: br_table targets have different arities")
		}
		// WebAssembly 1.0 requires identical label types, even when unreachable.
		if v.f&wasm.FeatureReferenceTypes == 0 && !sameTypes(lt, v.labelTypes(def)) {
			return v.errf(ins.Offset, "type mismatch: br_table targets have different types")
		}
		// Pop against this label's types, then restore what was popped.
		popped := v.scratch[:0]
		for i := len(lt) - 1; i >= 0; i-- {
			t, err := v.pop(lt[i])
			if err != nil {
				return err
			}
			popped = append(popped, t)
		}
		for i := len(popped) - 1; i >= 0; i-- {
			v.vals = append(v.vals, popped[i])
		}
		v.scratch = popped
	}
	if err := v.popAll(v.labelTypes(def)); err != nil {
		return err
	}
	v.setUnreachable()
	return nil
}

func sameTypes(a, b []wasm.ValType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// bulkIndices checks the memory, table and segment indices of bulk operators.
func (v *funcValidator) bulkIndices(ins *wasm.Instr) error {
	switch ins.Op {
	case wasm.OpMemoryInit:
		if err := v.memory(ins.Index2); err != nil {
			return err
		}
		if err := v.dataIndex(ins.Index); err != nil {
			return err
		}
	case wasm.OpMemoryCopy:
		if err := v.memory(ins.Index); err != nil {
			return err
		}
		if err := v.memory(ins.Index2); err != nil {
			return err
		}
	case wasm.OpTableInit:
		tt, err := v.table(ins.Index2)
		if err != nil {
			return err
		}
		et, err := v.elem(ins.Index)
		if err != nil {
			return err
		}
		if et != tt.Elem {
			return v.errf(ins.Offset, "type mismatch: table.init of %s into table of %s", et, tt.Elem)
		}
	case wasm.OpTableCopy:
		dst, err := v.table(ins.Index)
		if err != nil {
			return err
		}
		src, err := v.table(ins.Index2)
		if err != nil {
			return err
		}
		if dst.Elem != src.Elem {
			return v.errf(ins.Offset, "type mismatch: table.copy from %s to %s", src.Elem, dst.Elem)
		}
	case wasm.OpTableSize:
		if _, err := v.table(ins.Index); err != nil {
			return err
		}
	}
	return nil
}
