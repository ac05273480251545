package runtime

// Export returns the export called name (a *Function, *Table, *Memory or
// *Global), or nil.
func (inst *Instance) Export(name string) Extern {
	e, ok := inst.mod.exports[name]
	if !ok {
		return nil
	}
	switch e.Kind {
	case KindFunc:
		return inst.function(e.Index)
	case KindTable:
		return inst.tables[e.Index]
	case KindMemory:
		return inst.memory
	case KindGlobal:
		return inst.global(e.Index)
	}
	return nil
}

// ExportedFunction returns the exported function name, or nil.
func (inst *Instance) ExportedFunction(name string) *Function {
	f, _ := inst.Export(name).(*Function)
	return f
}

// Memory returns the instance's memory (defined or imported), or nil.
func (inst *Instance) Memory() *Memory { return inst.memory }

// Global returns the exported global name, or nil.
func (inst *Instance) Global(name string) *Global {
	g, _ := inst.Export(name).(*Global)
	return g
}

// Table returns the exported table name, or nil.
func (inst *Instance) Table(name string) *Table {
	t, _ := inst.Export(name).(*Table)
	return t
}

// global returns a Global for global index i: the import itself, or a view
// of the cell in inst's vmctx.
func (inst *Instance) global(i uint32) *Global {
	if int(i) < len(inst.globals) {
		return inst.globals[i]
	}
	return &Global{typ: inst.mod.globalType(i), cell: inst.globalCell(i), owner: inst}
}

// FuncIndex returns the index in inst's module of the function behind the
// funcref value ref (as a call returns it), or false if ref is null or a
// function inst neither defines nor imports.
func (inst *Instance) FuncIndex(ref uint64) (uint32, bool) {
	if ref == 0 {
		return 0, false
	}
	n := uint32(len(inst.funcs) + len(inst.mod.m.Funcs))
	for f := range n {
		if inst.funcRefAddr(f) == ref {
			return f, true
		}
	}
	return 0, false
}
