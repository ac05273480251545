package runtime

import (
	"errors"
	"fmt"
	goruntime "runtime"

	"github.com/wasiaot/wasiaot/runtime/abi"
)

// maxTableElems bounds table growth: past it table.grow fails (returns -1)
// as the spec allows, instead of mapping gigabytes of elements.
const maxTableElems = 10_000_000

// Table is a wasm table: a TableDesc off the Go heap whose elements are
// funcref record addresses or externref handles, 0 being null.
type Table struct {
	typ   TableType
	desc  uintptr
	cap   uint32    // elements that fit at desc.Elems
	ext   *extElems // the mapping behind desc.Elems when not inline
	owner *Instance
	// pins keeps host functions stored with SetFunc alive: the table
	// holds only the addresses of their records.
	pins map[*Function]struct{}
}

// NewTable makes a host table of type t with every element set to init.
func NewTable(t TableType, init uint64) (*Table, error) {
	if t.Min > maxTableElems {
		return nil, fmt.Errorf("table of %d elements is too large", t.Min)
	}
	p, err := allocSlot()
	if err != nil {
		return nil, err
	}
	tb := &Table{typ: t, desc: p, ext: &extElems{}}
	tb.d().Max = tableMax(t)
	if _, ok := tb.grow(uint32(t.Min), init); !ok {
		freeSlot(p)
		return nil, fmt.Errorf("table of %d elements: out of memory", t.Min)
	}
	goruntime.AddCleanup(tb, func(h tableHold) {
		h.ext.release()
		freeSlot(h.desc)
	}, tableHold{p, tb.ext})
	return tb, nil
}

type tableHold struct {
	desc uintptr
	ext  *extElems
}

// extElems is what a table owns besides its descriptor: the element
// mapping outside the vmctx block, and the instances it keeps alive
// because it holds their functions.
type extElems struct {
	b    []byte
	held []*Instance
}

// unmap drops the element mapping (the table is being resized or freed).
func (e *extElems) unmap() {
	if e.b != nil {
		unmapElems(e.b)
		e.b = nil
	}
}

// release frees the mapping and lets go of the held instances.
func (e *extElems) release() {
	e.unmap()
	held := e.held
	e.held = nil
	for _, inst := range held {
		inst.unref()
	}
}

// hold keeps inst alive as long as the table: a failed instantiation put
// inst's functions into a table inst does not own, and they stay callable.
func (t *Table) hold(inst *Instance) {
	for _, h := range t.ext.held {
		if h == inst {
			return
		}
	}
	inst.refs.Add(1)
	t.ext.held = append(t.ext.held, inst)
}

func tableMax(t TableType) uint32 {
	if t.HasMax && t.Max < 1<<32 {
		return uint32(t.Max)
	}
	return ^uint32(0)
}

func (t *Table) d() *abi.TableDesc { return (*abi.TableDesc)(ptrAt(t.desc)) }

// Kind is KindTable.
func (t *Table) Kind() ExternKind { return KindTable }

// Type is the table's type with its current size as the minimum.
func (t *Table) Type() TableType {
	tt := t.typ
	tt.Min = uint64(t.Size())
	return tt
}

// Size is the number of elements.
func (t *Table) Size() uint32 { return t.d().Len }

func (t *Table) slot(i uint32) *uint64 { return u64At(t.d().Elems + 8*uintptr(i)) }

// Get returns element i.
func (t *Table) Get(i uint32) (uint64, error) {
	if i >= t.Size() {
		return 0, errors.New("out of bounds table access")
	}
	return *t.slot(i), nil
}

// SetFunc stores f (nil for null) in funcref element i.
func (t *Table) SetFunc(i uint32, f *Function) error {
	if t.typ.Elem != FuncRef {
		return fmt.Errorf("SetFunc on a %v table", t.typ.Elem)
	}
	var v uint64
	if f != nil {
		var err error
		if v, err = f.Ref(); err != nil {
			return err
		}
	}
	if err := t.Set(i, v); err != nil {
		return err
	}
	if f != nil && f.host != nil {
		if t.pins == nil {
			t.pins = map[*Function]struct{}{}
		}
		t.pins[f] = struct{}{}
	}
	return nil
}

// Set changes element i to a raw value: an externref handle, 0, or a
// funcref from Function.Ref (prefer SetFunc, which also keeps a host
// function alive while the table holds it).
func (t *Table) Set(i uint32, v uint64) error {
	if i >= t.Size() {
		return errors.New("out of bounds table access")
	}
	*t.slot(i) = v
	return nil
}

// Grow adds delta elements set to init and returns the old size, or false
// (table unchanged) past the maximum.
func (t *Table) Grow(delta uint32, init uint64) (uint32, bool) { return t.grow(delta, init) }

func (t *Table) grow(delta uint32, init uint64) (uint32, bool) {
	d := t.d()
	old := d.Len
	n := uint64(old) + uint64(delta)
	if n > uint64(d.Max) || n > maxTableElems {
		return old, false
	}
	fresh := false // the new elements are in a new, zeroed mapping
	if n > uint64(t.cap) {
		c := max(n, 2*uint64(t.cap), 8)
		c = min(c, uint64(d.Max), maxTableElems)
		b, err := mapElems(uint32(c))
		if err != nil {
			return old, false
		}
		copy(b, bytesAt(d.Elems, 8*int(old)))
		t.ext.unmap()
		t.ext.b, t.cap = b, uint32(c)
		d.Elems = addrOf(b)
		fresh = true
	}
	if init != 0 || !fresh {
		for i := old; i < uint32(n); i++ {
			*t.slot(i) = init
		}
	}
	d.Len = uint32(n)
	return old, true
}

// release unmaps elements that moved out of the vmctx block and lets go of
// the instances the table held.
func (t *Table) release() { t.ext.release() }
