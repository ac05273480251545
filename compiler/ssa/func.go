package ssa

// ID names a value within its Func. IDs are small and dense so that passes
// can keep side tables in slices indexed by ID instead of maps.
type ID int32

// BlockID names a block within its Func.
type BlockID int32

// NoBlock is the BlockID of no block.
const NoBlock BlockID = -1

// Value is one SSA value: the single definition of ID.
//
// Value storage never moves, so a *Value stays valid while the Func lives.
type Value struct {
	ID    ID
	Op    Op
	Type  Type
	Block BlockID // block holding the value, NoBlock once removed
	// Pos is the wasm byte offset of the instruction the value comes from
	// (0: none), so that trap sites can name their source.
	Pos  int32
	Args []ID
	Aux  int64 // meaning depends on Op.Info().Aux
	Aux2 int64
}

// Edge is a control-flow edge with the arguments passed to the target's
// block parameters.
type Edge struct {
	Block BlockID
	Args  []ID
}

// Block is a basic block: parameters, a straight-line sequence of
// instructions, and a terminator.
//
// The terminator is stored in the block itself rather than as a value: Term
// is its op, Controls its operands (the brif condition, the br_table index,
// the returned values) and Succs its outgoing edges (brif: then, else;
// br_table: targets then default). A trap terminator keeps its kind in Aux.
type Block struct {
	ID   BlockID
	Term Op
	// Pos is the wasm byte offset of the instruction that produced the
	// terminator (0: none); a trap terminator reports it.
	Pos      int32
	Params   []ID
	Instrs   []ID
	Controls []ID
	Succs    []Edge
	Aux      int64
	// Preds has one entry per incoming edge (a block branching here twice
	// appears twice). It is kept current by the Builder and by
	// Func.ComputePreds.
	Preds []BlockID
}

// Values live in chunks that never move. Ids below chunkSize sit in small
// chunks that double in size (16, 16, 32, 64, 128 values), so that the many
// small functions of a module do not each pay for a full chunk; ids from
// chunkSize on sit in full chunks of chunkSize values.
const (
	chunkBits = 8
	chunkSize = 1 << chunkBits
	firstBits = 4 // the first small chunk holds 1<<firstBits values
)

// Func is a function in SSA form.
type Func struct {
	Name string
	Sig  Signature
	// Sigs are the signatures referenced by call ops (Value.Aux2).
	Sigs []Signature
	// Blocks are in layout order; Blocks[0] is the entry block, whose
	// parameters are the function's parameters.
	Blocks []*Block
	// Threaded is set when lowering threaded a dispatch loop (see
	// lower/dispatch.go): the function has many merge points whose block
	// arguments are mostly parameters passed on unchanged.
	Threaded bool

	blocks []*Block // by ID; nil once removed
	// tab maps id>>firstBits to the group of 1<<firstBits values holding
	// id. Every chunk, small or full, is a whole number of groups, so one
	// lookup serves all ids.
	tab     []*[1 << firstBits]Value
	nvalues int
	slab    []ID     // argument storage shared by values and edges
	eslab   []Edge   // storage of successor lists
	bslab   []Block  // storage for new blocks
	owned   []*Block // every block taken from bslab
	spare   []*Block // blocks of owned not in use since Reset
	order   OrderBuf // storage of ReversePostorder
}

// NewFunc returns an empty function.
func NewFunc(name string, sig Signature) *Func {
	return &Func{Name: name, Sig: sig}
}

// Reset empties f to hold a new function with the given name and
// signature, keeping the storage of its values and blocks for reuse.
// Every *Value, *Block and ID slice obtained from f before is invalid
// afterwards.
func (f *Func) Reset(name string, sig Signature) {
	spare := append(f.spare[:0], f.owned...)
	clear(f.blocks)
	clear(f.Blocks)
	*f = Func{
		Name:   name,
		Sig:    sig,
		Blocks: f.Blocks[:0],
		blocks: f.blocks[:0],
		tab:    f.tab,
		slab:   f.slab[:0],
		eslab:  f.eslab[:0],
		bslab:  f.bslab,
		spare:  spare,
		owned:  f.owned,
		order:  f.order,
	}
}

// NumValues is one more than the largest value ID in use, for side tables.
func (f *Func) NumValues() int { return f.nvalues }

// NumBlocks is one more than the largest block ID in use, for side tables.
func (f *Func) NumBlocks() int { return len(f.blocks) }

// Value returns the value with the given ID.
func (f *Func) Value(id ID) *Value {
	return &f.tab[id>>firstBits][id&(1<<firstBits-1)]
}

// Block returns the block with the given ID, or nil if it was removed.
func (f *Func) Block(id BlockID) *Block { return f.blocks[id] }

// Entry returns the entry block.
func (f *Func) Entry() *Block { return f.Blocks[0] }

// NewValue allocates a value that belongs to no block yet.
func (f *Func) NewValue(op Op, t Type, args ...ID) *Value {
	v := f.allocValue()
	v.Op, v.Type = op, t
	v.Args = f.CopyIDs(args)
	return v
}

func (f *Func) allocValue() *Value {
	id := f.nvalues
	if id>>firstBits >= len(f.tab) {
		// Chunks below chunkSize double in size (16, 16, 32, 64, 128
		// values); from there on they hold chunkSize values.
		n := min(max(1<<firstBits, id), chunkSize)
		c := make([]Value, n)
		for i := 0; i < n; i += 1 << firstBits {
			f.tab = append(f.tab, (*[1 << firstBits]Value)(c[i:]))
		}
	}
	f.nvalues++
	v := f.Value(ID(id))
	*v = Value{ID: ID(id), Block: NoBlock}
	return v
}

// CopyIDs copies ids into the function's argument storage. The result has
// no spare capacity, so appending to it never overwrites a neighbour.
func (f *Func) CopyIDs(ids []ID) []ID {
	n := len(ids)
	if n == 0 {
		return nil
	}
	if cap(f.slab)-len(f.slab) < n {
		// Chunks grow with the function, so that a reset Func soon
		// fits in its last one; the filled chunk is left to its users.
		f.slab = make([]ID, 0, max(1024, n, min(2*cap(f.slab), 1<<16)))
	}
	s := f.slab[len(f.slab) : len(f.slab)+n : len(f.slab)+n]
	f.slab = f.slab[:len(f.slab)+n]
	copy(s, ids)
	return s
}

// copyEdges copies edges into the function's edge storage, with no spare
// capacity, like CopyIDs.
func (f *Func) copyEdges(edges []Edge) []Edge {
	n := len(edges)
	if cap(f.eslab)-len(f.eslab) < n {
		f.eslab = make([]Edge, 0, max(256, n, min(2*cap(f.eslab), 1<<14)))
	}
	s := f.eslab[len(f.eslab) : len(f.eslab)+n : len(f.eslab)+n]
	f.eslab = f.eslab[:len(f.eslab)+n]
	copy(s, edges)
	return s
}

// NewBlock appends a new empty block to the layout.
func (f *Func) NewBlock() *Block {
	if n := len(f.spare); n > 0 {
		b := f.spare[n-1]
		f.spare = f.spare[:n-1]
		// Keep the storage of the lists that grow by appending: each
		// block owns its own.
		*b = Block{ID: BlockID(len(f.blocks)), Instrs: b.Instrs[:0], Preds: b.Preds[:0]}
		f.blocks = append(f.blocks, b)
		f.Blocks = append(f.Blocks, b)
		return b
	}
	if len(f.bslab) == cap(f.bslab) {
		// Blocks come in slabs that never move, doubling up to 32.
		f.bslab = make([]Block, 0, min(max(2, 2*cap(f.bslab)), 32))
	}
	f.bslab = f.bslab[:len(f.bslab)+1]
	b := &f.bslab[len(f.bslab)-1]
	f.owned = append(f.owned, b)
	b.ID = BlockID(len(f.blocks))
	f.blocks = append(f.blocks, b)
	f.Blocks = append(f.Blocks, b)
	return b
}

// AddParam appends a parameter of type t to b and returns it.
func (f *Func) AddParam(b *Block, t Type) ID {
	v := f.allocValue()
	v.Op, v.Type, v.Block = OpParam, t, b.ID
	b.Params = append(b.Params, v.ID)
	return v.ID
}

// RemoveBlocks drops every block for which dead returns true, in one pass
// over the layout, and marks their values removed. Edges into them must
// already be gone, or be in blocks removed too; predecessor lists are
// recomputed.
func (f *Func) RemoveBlocks(dead func(*Block) bool) {
	kept := f.Blocks[:0]
	for _, b := range f.Blocks {
		if !dead(b) {
			kept = append(kept, b)
			continue
		}
		for _, id := range b.Params {
			f.Value(id).Block = NoBlock
		}
		for _, id := range b.Instrs {
			f.Value(id).Block = NoBlock
		}
		f.blocks[b.ID] = nil
	}
	clear(f.Blocks[len(kept):])
	f.Blocks = kept
	f.ComputePreds()
}

// RemoveUnreachable drops the blocks that cannot be reached from the entry
// and reports whether there were any.
func (f *Func) RemoveUnreachable() bool { return f.RemoveUnreachableBuf(new(OrderBuf)) }

// RemoveUnreachableBuf is RemoveUnreachable with storage from buf.
func (f *Func) RemoveUnreachableBuf(buf *OrderBuf) bool {
	rpo := f.ReversePostorderBuf(buf)
	if len(rpo) == len(f.Blocks) {
		return false
	}
	reach := buf.seen // the DFS marked exactly the reachable blocks
	f.RemoveBlocks(func(b *Block) bool { return !reach[b.ID] })
	return true
}

// SetTerm sets b's terminator, copying controls and succs into the
// function's storage. It does not update predecessor lists; the Builder
// and ComputePreds do.
func (f *Func) SetTerm(b *Block, op Op, controls []ID, succs []Edge) {
	b.Term = op
	b.Controls = f.CopyIDs(controls)
	b.Succs = nil
	if len(succs) > 0 {
		b.Succs = f.copyEdges(succs)
	}
	for i := range b.Succs {
		b.Succs[i].Args = f.CopyIDs(b.Succs[i].Args)
	}
}

// ComputePreds rebuilds every block's predecessor list from the terminators.
func (f *Func) ComputePreds() {
	for _, b := range f.Blocks {
		b.Preds = b.Preds[:0]
	}
	for _, b := range f.Blocks {
		for _, e := range b.Succs {
			if t := f.blocks[e.Block]; t != nil {
				t.Preds = append(t.Preds, b.ID)
			}
		}
	}
}

// Offset is the static offset of a memory access.
func (v *Value) Offset() uint64 { return uint64(v.Aux) }

// AlignLog2 is log2 of the alignment hint of a memory access.
func (v *Value) AlignLog2() uint8 { return uint8(v.Aux2) }

// MemIndex is the memory a load or store accesses.
func (v *Value) MemIndex() uint32 { return uint32(v.Aux2 >> 8) }

// SetMem sets the immediates of a load or store.
func (v *Value) SetMem(offset uint64, alignLog2 uint8, mem uint32) {
	v.Aux = int64(offset)
	v.Aux2 = int64(mem)<<8 | int64(alignLog2)
}

// Lane is the lane index of a lane access (AuxLane) or of a load or
// store of one lane (AuxMemLane).
func (v *Value) Lane() uint8 {
	if v.Op.Info().Aux == AuxMemLane {
		return uint8(v.Aux2 >> 48)
	}
	return uint8(v.Aux)
}

// SetLane sets the lane index of a load or store of one lane, after SetMem.
func (v *Value) SetLane(lane uint8) { v.Aux2 = v.Aux2&^(0xff<<48) | int64(lane)<<48 }

// V128 returns the halves of a v128.const, low first.
func (v *Value) V128() (lo, hi uint64) { return uint64(v.Aux), uint64(v.Aux2) }

// ShuffleLanes returns the 16 lane indices of an i8x16.shuffle.
func (v *Value) ShuffleLanes() (l [16]byte) {
	for i := range 8 {
		l[i] = byte(uint64(v.Aux) >> (8 * i))
		l[i+8] = byte(uint64(v.Aux2) >> (8 * i))
	}
	return l
}

// SetShuffleLanes sets the lane indices of an i8x16.shuffle.
func (v *Value) SetShuffleLanes(l [16]byte) {
	var lo, hi uint64
	for i := range 8 {
		lo |= uint64(l[i]) << (8 * i)
		hi |= uint64(l[i+8]) << (8 * i)
	}
	v.Aux, v.Aux2 = int64(lo), int64(hi)
}

// TypeIndex is the wasm type index checked by call_indirect.
func (v *Value) TypeIndex() uint32 { return uint32(v.Aux) }

// TableIndex is the table call_indirect calls through.
func (v *Value) TableIndex() uint32 { return uint32(uint64(v.Aux) >> 32) }

// DivFlags returns what is known about the checks of an integer division
// or remainder (see DivFlags).
func (v *Value) DivFlags() DivFlags { return DivFlags(v.Aux) }

// Trap returns the trap kind of trapz and trapnz.
func (v *Value) Trap() TrapKind { return TrapKind(v.Aux) }
