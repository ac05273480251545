package opt

import "github.com/wasiaot/wasiaot/compiler/ssa"

// LoadElim removes redundant loads within a block, with a simple memory
// state:
//
//   - a load of the same kind from the same base value, offset and memory
//     as an earlier load reuses it;
//   - a load right-sized for an earlier store to the same address (i32.load
//     after i32.store, and so on; no partial widths) takes the stored value;
//   - global.get after global.get or global.set of the same global reuses
//     that value.
//
// Any store, call, memory.grow or other write forgets everything known
// about memory (two different bases may alias); a call also forgets the
// globals. Traps stay in place: the earlier access to the same address
// traps first. Nothing is carried across blocks.
func LoadElim(f *ssa.Func) bool {
	changed := false
	var mem []memFact
	var globals []globalFact
	for _, b := range f.Blocks {
		mem, globals = mem[:0], globals[:0]
		for _, id := range b.Instrs {
			v := f.Value(id)
			info := v.Op.Info()
			switch {
			case v.Op == ssa.OpGlobalGet:
				if i := findGlobal(globals, v.Aux); i >= 0 {
					toCopy(f, v, globals[i].val)
					changed = true
				} else {
					globals = append(globals, globalFact{v.Aux, id})
				}
			case v.Op == ssa.OpGlobalSet:
				if i := findGlobal(globals, v.Aux); i >= 0 {
					globals[i].val = v.Args[0]
				} else {
					globals = append(globals, globalFact{v.Aux, v.Args[0]})
				}
			case info.Aux == ssa.AuxMem && info.Effects&ssa.EffRead != 0: // a load
				k := memFact{op: v.Op, base: resolveCopy(f, v.Args[0]), off: v.Aux, mem: v.MemIndex()}
				if i := findMem(mem, k); i >= 0 {
					toCopy(f, v, mem[i].val)
					changed = true
					continue
				}
				k.val = id
				mem = append(mem, k)
			case info.Aux == ssa.AuxMem: // a store
				mem = mem[:0]
				if op := storeLoad[v.Op]; op != 0 {
					mem = append(mem, memFact{op: op, base: resolveCopy(f, v.Args[0]), off: v.Aux, mem: v.MemIndex(), val: v.Args[1]})
				}
			case info.Effects&ssa.EffCall != 0:
				mem, globals = mem[:0], globals[:0]
			case info.Effects&ssa.EffWrite != 0:
				mem = mem[:0]
			}
		}
	}
	return changed
}

type memFact struct {
	op   ssa.Op
	base ssa.ID
	off  int64
	mem  uint32
	val  ssa.ID
}

type globalFact struct {
	index int64
	val   ssa.ID
}

// maxFacts bounds the linear searches; the facts of a block rarely reach it.
const maxFacts = 64

func findMem(facts []memFact, k memFact) int {
	for i := len(facts) - 1; i >= 0 && i >= len(facts)-maxFacts; i-- {
		x := &facts[i]
		if x.op == k.op && x.base == k.base && x.off == k.off && x.mem == k.mem {
			return i
		}
	}
	return -1
}

func findGlobal(facts []globalFact, g int64) int {
	for i := range facts {
		if facts[i].index == g {
			return i
		}
	}
	return -1
}

// storeLoad maps a full-width store to the load that reads its value back.
var storeLoad = [ssa.NumOps]ssa.Op{
	ssa.OpI32Store:  ssa.OpI32Load,
	ssa.OpI64Store:  ssa.OpI64Load,
	ssa.OpF32Store:  ssa.OpF32Load,
	ssa.OpF64Store:  ssa.OpF64Load,
	ssa.OpV128Store: ssa.OpV128Load,
}
