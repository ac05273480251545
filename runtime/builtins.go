package runtime

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/wasiaot/wasiaot/runtime/abi"
)

// builtin performs an operation generated code asked for; operands are in
// the args buffer as abi.Builtin documents, the result goes to slot 0.
func (inst *Instance) builtin(b abi.Builtin) error {
	args := inst.ctx.Args()
	arg := func(i int) uint64 { return binary.LittleEndian.Uint64(args[i*abi.ArgSlotSize:]) }
	u32 := func(i int) uint32 { return uint32(arg(i)) }
	ret := func(v uint64) { binary.LittleEndian.PutUint64(args, v) }
	switch b {
	case abi.BuiltinMemoryGrow:
		mem, err := inst.mem()
		if err != nil {
			return err
		}
		old, ok := mem.Grow(u32(0))
		if !ok {
			ret(0xffffffff)
		} else {
			ret(uint64(old))
		}
	case abi.BuiltinMemoryFill:
		mem, err := inst.mem()
		if err != nil {
			return err
		}
		buf := mem.Bytes()
		dst, v, n := u32(0), byte(arg(1)), u32(2)
		if uint64(dst)+uint64(n) > uint64(len(buf)) {
			return trapOf(TrapMemoryOutOfBounds)
		}
		for s := buf[dst : dst+n]; len(s) > 0 && !inst.ctx.Interrupted(); {
			k := min(len(s), bulkChunk)
			fill(s[:k], v)
			s = s[k:]
		}
	case abi.BuiltinMemoryCopy:
		mem, err := inst.mem()
		if err != nil {
			return err
		}
		buf := mem.Bytes()
		dst, src, n := uint64(u32(0)), uint64(u32(1)), uint64(u32(2))
		if dst+n > uint64(len(buf)) || src+n > uint64(len(buf)) {
			return trapOf(TrapMemoryOutOfBounds)
		}
		inst.copyChunked(buf, dst, src, n)
	case abi.BuiltinMemoryInit:
		seg := u32(0)
		if int(seg) >= len(inst.dataDropped) {
			return fmt.Errorf("memory.init: no data segment %d", seg)
		}
		var data []byte
		if !inst.dataDropped[seg] {
			data = inst.mod.segment(int(seg))
		}
		return inst.memoryInit(data, u32(1), u32(2), u32(3))
	case abi.BuiltinDataDrop:
		seg := u32(0)
		if int(seg) >= len(inst.dataDropped) {
			return fmt.Errorf("data.drop: no data segment %d", seg)
		}
		if !inst.dataDropped[seg] {
			if inst.dataShared {
				inst.dataDropped = slices.Clone(inst.dataDropped)
				inst.dataShared = false
			}
			inst.dataDropped[seg] = true
		}
	case abi.BuiltinTableGrow:
		t, err := inst.table(u32(0))
		if err != nil {
			return err
		}
		old, ok := t.grow(u32(2), arg(1))
		if !ok {
			ret(0xffffffff)
		} else {
			ret(uint64(old))
		}
	case abi.BuiltinTableFill:
		t, err := inst.table(u32(0))
		if err != nil {
			return err
		}
		dst, v, n := u32(1), arg(2), u32(3)
		if uint64(dst)+uint64(n) > uint64(t.Size()) {
			return trapOf(TrapTableOutOfBounds)
		}
		for i := dst; i < dst+n; i++ {
			*t.slot(i) = v
		}
	case abi.BuiltinTableCopy:
		td, err := inst.table(u32(0))
		if err != nil {
			return err
		}
		ts, err := inst.table(u32(1))
		if err != nil {
			return err
		}
		dst, src, n := uint64(u32(2)), uint64(u32(3)), uint64(u32(4))
		if dst+n > uint64(td.Size()) || src+n > uint64(ts.Size()) {
			return trapOf(TrapTableOutOfBounds)
		}
		if n > 0 {
			copy(bytesAt(td.d().Elems+uintptr(8*dst), int(8*n)), bytesAt(ts.d().Elems+uintptr(8*src), int(8*n)))
		}
	case abi.BuiltinTableInit:
		t, err := inst.table(u32(0))
		if err != nil {
			return err
		}
		seg := u32(1)
		if int(seg) >= len(inst.elems) {
			return fmt.Errorf("table.init: no element segment %d", seg)
		}
		return inst.tableInit(t, inst.elems[seg], u32(2), u32(3), u32(4))
	case abi.BuiltinElemDrop:
		seg := u32(0)
		if int(seg) >= len(inst.elems) {
			return fmt.Errorf("elem.drop: no element segment %d", seg)
		}
		inst.elems[seg] = nil
	case abi.BuiltinCallRef:
		return inst.callRef(uintptr(arg(0)), args)
	default:
		return fmt.Errorf("unknown builtin %v", b)
	}
	return nil
}

// fill sets every byte of s to v, doubling the filled prefix with copy.
func fill(s []byte, v byte) {
	if len(s) == 0 {
		return
	}
	s[0] = v
	for i := 1; i < len(s); i *= 2 {
		copy(s[i:], s[:i])
	}
}

// bulkChunk is how many bytes memory.copy and memory.fill move between two
// looks at the interrupt word (tens of microseconds), so that an
// interrupted guest stops inside a copy of gigabytes. Stopped early, they
// return with the rest undone, and the interrupt unwinds the call.
const bulkChunk = 1 << 20

// copyChunked is copy(buf[dst:dst+n], buf[src:src+n]) a chunk at a time, in
// the direction that reads every source byte before it is overwritten.
func (inst *Instance) copyChunked(buf []byte, dst, src, n uint64) {
	if dst <= src {
		for i := uint64(0); i < n && !inst.ctx.Interrupted(); i += bulkChunk {
			k := min(n-i, bulkChunk)
			copy(buf[dst+i:dst+i+k], buf[src+i:src+i+k])
		}
		return
	}
	for end := n; end > 0 && !inst.ctx.Interrupted(); {
		k := min(end, bulkChunk)
		copy(buf[dst+end-k:dst+end], buf[src+end-k:src+end])
		end -= k
	}
}

func trapOf(k TrapKind) *Trap { return &Trap{Kind: k, Func: noFunc} }

func (inst *Instance) mem() (*Memory, error) {
	if inst.memory == nil {
		return nil, errors.New("memory instruction in a module without memory")
	}
	return inst.memory, nil
}

func (inst *Instance) table(i uint32) (*Table, error) {
	if int(i) >= len(inst.tables) {
		return nil, fmt.Errorf("no table %d", i)
	}
	return inst.tables[i], nil
}

// memoryInit copies data[src:src+n] to memory at dst, trapping (before any
// write) when either range is out of bounds.
func (inst *Instance) memoryInit(data []byte, dst, src, n uint32) error {
	mem, err := inst.mem()
	if err != nil {
		return err
	}
	buf := mem.Bytes()
	if uint64(src)+uint64(n) > uint64(len(data)) || uint64(dst)+uint64(n) > uint64(len(buf)) {
		return trapOf(TrapMemoryOutOfBounds)
	}
	copy(buf[dst:], data[src:src+n])
	return nil
}

// tableInit copies refs[src:src+n] into t at dst, trapping (before any
// write) when either range is out of bounds.
func (inst *Instance) tableInit(t *Table, refs []uint64, dst, src, n uint32) error {
	if uint64(src)+uint64(n) > uint64(len(refs)) || uint64(dst)+uint64(n) > uint64(t.Size()) {
		return trapOf(TrapTableOutOfBounds)
	}
	for i := range n {
		*t.slot(dst + i) = refs[src+i]
	}
	return nil
}

// callRef calls the function behind a FuncRef record that belongs to
// another instance or to the host; its params follow the record address in
// the args buffer and its results replace them.
func (inst *Instance) callRef(ref uintptr, args []byte) error {
	if ref == 0 {
		return trapOf(TrapUninitializedElement)
	}
	r := (*abi.FuncRef)(ptrAt(ref))
	var f *Function
	if r.VMCtx == 0 {
		f = hostFuncByID(r.Index)
		if f == nil {
			return fmt.Errorf("call_ref: host function %d no longer exists", r.Index)
		}
	} else {
		target := instanceAt(r.VMCtx)
		if target == nil {
			return errors.New("call_ref: the function's instance is closed")
		}
		if int(r.Index) >= len(target.mod.funcType) {
			return fmt.Errorf("call_ref: corrupt function record %#x", ref)
		}
		f = target.function(r.Index)
	}
	return inst.callOut(f, args, 1)
}

// function returns a Function for function index i of inst: the import
// itself, or a wasm function of inst.
func (inst *Instance) function(i uint32) *Function {
	if int(i) < len(inst.funcs) {
		return inst.funcs[i]
	}
	inst.mu.Lock()
	defer inst.mu.Unlock()
	if f := inst.exported1; f != nil && f.index == i {
		return f
	}
	if f := inst.exported[i]; f != nil {
		return f
	}
	t := inst.mod.types[inst.mod.funcType[i]]
	f := &Function{typ: t, typeID: inst.mod.typeIDs[inst.mod.funcType[i]], inst: inst, index: i, ref: uintptr(inst.funcRefAddr(i))}
	f.shape()
	f.entry, f.target = inst.entryOf(i)
	if inst.exported1 == nil {
		inst.exported1 = f
		return f
	}
	if inst.exported == nil {
		inst.exported = map[uint32]*Function{}
	}
	inst.exported[i] = f
	return f
}
