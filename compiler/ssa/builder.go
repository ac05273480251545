package ssa

import "fmt"

// Builder appends instructions to a function, one current block at a time.
// It keeps predecessor lists current as terminators are set.
//
// Misuse (emitting into a terminated block, an op whose result type cannot
// be inferred) is a bug in the caller and panics; Verify checks the rest.
type Builder struct {
	f     *Func
	cur   *Block
	pos   int32
	succs []Edge // scratch for BrTable
}

// NewBuilder returns a builder for f.
func NewBuilder(f *Func) *Builder { return &Builder{f: f} }

// Reset makes b a builder for f, as NewBuilder(f) does, keeping its
// scratch storage.
func (b *Builder) Reset(f *Func) { *b = Builder{f: f, succs: b.succs} }

// Func returns the function being built.
func (b *Builder) Func() *Func { return b.f }

// NewBlock appends a block with parameters of the given types.
func (b *Builder) NewBlock(params ...Type) *Block {
	blk := b.f.NewBlock()
	for _, t := range params {
		b.f.AddParam(blk, t)
	}
	return blk
}

// AddParam appends a parameter of type t to blk, for blocks whose
// parameters become known only later (loop headers).
func (b *Builder) AddParam(blk *Block, t Type) ID { return b.f.AddParam(blk, t) }

// SetBlock makes blk the block that instructions are appended to.
func (b *Builder) SetBlock(blk *Block) { b.cur = blk }

// Block returns the current block.
func (b *Builder) Block() *Block { return b.cur }

// Terminated reports whether the current block already has a terminator.
func (b *Builder) Terminated() bool { return b.cur.Term != OpInvalid }

// Param returns the i-th parameter of blk.
func (b *Builder) Param(blk *Block, i int) ID { return blk.Params[i] }

// Type returns the type of value id.
func (b *Builder) Type(id ID) Type { return b.f.Value(id).Type }

func (b *Builder) emit(op Op, t Type, aux, aux2 int64, args []ID) *Value {
	if b.cur.Term != OpInvalid {
		panic(fmt.Sprintf("ssa: %s emitted into terminated block b%d", op, b.cur.ID))
	}
	v := b.f.NewValue(op, t, args...)
	v.Aux, v.Aux2 = aux, aux2
	v.Block = b.cur.ID
	v.Pos = b.pos
	b.cur.Instrs = append(b.cur.Instrs, v.ID)
	return v
}

// SetPos sets the source position (a wasm byte offset) recorded in the
// values and terminators emitted from now on.
func (b *Builder) SetPos(pos int32) { b.pos = pos }

// Pos returns the current source position.
func (b *Builder) Pos() int32 { return b.pos }

// Emit appends a value of type t with no immediates.
func (b *Builder) Emit(op Op, t Type, args ...ID) ID {
	return b.emit(op, t, 0, 0, args).ID
}

// EmitAux appends a value with immediates (see AuxKind for their meaning).
func (b *Builder) EmitAux(op Op, t Type, aux, aux2 int64, args ...ID) ID {
	return b.emit(op, t, aux, aux2, args).ID
}

func fixedResult(op Op) Type {
	t := op.Info().Result
	if t >= numTypes {
		panic(fmt.Sprintf("ssa: %s has no fixed result type", op))
	}
	return t
}

// Op0, Op1, Op2 and Op3 append an op whose result type is fixed by the op.
func (b *Builder) Op0(op Op) ID { return b.emit(op, fixedResult(op), 0, 0, nil).ID }

// Op1 appends a one-argument op; see Op0.
func (b *Builder) Op1(op Op, x ID) ID {
	return b.emit(op, fixedResult(op), 0, 0, []ID{x}).ID
}

// Op2 appends a two-argument op; see Op0.
func (b *Builder) Op2(op Op, x, y ID) ID {
	return b.emit(op, fixedResult(op), 0, 0, []ID{x, y}).ID
}

// Op3 appends a three-argument op; see Op0.
func (b *Builder) Op3(op Op, x, y, z ID) ID {
	return b.emit(op, fixedResult(op), 0, 0, []ID{x, y, z}).ID
}

// I32Const appends an i32 constant.
func (b *Builder) I32Const(c int32) ID { return b.emit(OpI32Const, TypeI32, int64(c), 0, nil).ID }

// I64Const appends an i64 constant.
func (b *Builder) I64Const(c int64) ID { return b.emit(OpI64Const, TypeI64, c, 0, nil).ID }

// F32Const appends an f32 constant given by its bits.
func (b *Builder) F32Const(bits uint32) ID {
	return b.emit(OpF32Const, TypeF32, int64(bits), 0, nil).ID
}

// F64Const appends an f64 constant given by its bits.
func (b *Builder) F64Const(bits uint64) ID {
	return b.emit(OpF64Const, TypeF64, int64(bits), 0, nil).ID
}

// Select appends "x if cond != 0 else y".
func (b *Builder) Select(x, y, cond ID) ID {
	return b.emit(OpSelect, b.Type(x), 0, 0, []ID{x, y, cond}).ID
}

// Load appends a load from base+offset in memory mem.
func (b *Builder) Load(op Op, base ID, offset uint64, alignLog2 uint8, mem uint32) ID {
	v := b.emit(op, fixedResult(op), 0, 0, []ID{base})
	v.SetMem(offset, alignLog2, mem)
	return v.ID
}

// Store appends a store of val to base+offset in memory mem.
func (b *Builder) Store(op Op, base, val ID, offset uint64, alignLog2 uint8, mem uint32) {
	v := b.emit(op, TypeVoid, 0, 0, []ID{base, val})
	v.SetMem(offset, alignLog2, mem)
}

// GlobalGet appends a read of global g, of type t.
func (b *Builder) GlobalGet(g uint32, t Type) ID {
	return b.emit(OpGlobalGet, t, int64(g), 0, nil).ID
}

// GlobalSet appends a write of x to global g.
func (b *Builder) GlobalSet(g uint32, x ID) { b.emit(OpGlobalSet, TypeVoid, int64(g), 0, []ID{x}) }

// Sig returns the index of s in the function's call signatures, adding it
// if needed.
func (b *Builder) Sig(s Signature) int64 {
	for i := range b.f.Sigs {
		if b.f.Sigs[i].Equal(&s) {
			return int64(i)
		}
	}
	b.f.Sigs = append(b.f.Sigs, s)
	return int64(len(b.f.Sigs) - 1)
}

// Call appends a call (op is OpCall or OpCallImport) of function callee
// with signature sig (an index from Sig). Its value has the signature's
// result type; take a tuple apart with Extract.
func (b *Builder) Call(op Op, callee uint32, sig int64, args ...ID) ID {
	t := b.f.Sigs[sig].ResultType()
	return b.emit(op, t, int64(callee), sig, args).ID
}

// CallIndirect appends a call through table entry index of table, checked
// against wasm type typeIndex.
func (b *Builder) CallIndirect(typeIndex, table uint32, sig int64, index ID, args ...ID) ID {
	all := make([]ID, 0, len(args)+1)
	all = append(append(all, index), args...)
	t := b.f.Sigs[sig].ResultType()
	return b.emit(OpCallIndirect, t, int64(typeIndex)|int64(table)<<32, sig, all).ID
}

// Extract appends the i-th result of a multi-result call.
func (b *Builder) Extract(call ID, i int) ID {
	c := b.f.Value(call)
	t := b.f.Sigs[c.Aux2].Results[i]
	return b.emit(OpExtract, t, int64(i), 0, []ID{call}).ID
}

// TrapIf appends a conditional trap: op is OpTrapz or OpTrapnz.
func (b *Builder) TrapIf(op Op, cond ID, kind TrapKind) {
	b.emit(op, TypeVoid, int64(kind), 0, []ID{cond})
}

func (b *Builder) terminate(op Op, controls []ID, succs []Edge) {
	if b.cur.Term != OpInvalid {
		panic(fmt.Sprintf("ssa: block b%d terminated twice", b.cur.ID))
	}
	b.f.SetTerm(b.cur, op, controls, succs)
	b.cur.Pos = b.pos
	for _, e := range b.cur.Succs {
		t := b.f.blocks[e.Block]
		t.Preds = append(t.Preds, b.cur.ID)
	}
}

// Jump ends the current block with a jump to target.
func (b *Builder) Jump(target *Block, args ...ID) {
	b.terminate(OpJump, nil, []Edge{{target.ID, args}})
}

// BrIf ends the current block with a two-way branch on cond != 0.
func (b *Builder) BrIf(cond ID, then *Block, thenArgs []ID, els *Block, elseArgs []ID) {
	b.terminate(OpBrIf, []ID{cond}, []Edge{{then.ID, thenArgs}, {els.ID, elseArgs}})
}

// BrTable ends the current block with a jump to targets[index], or to def
// when index is out of range.
func (b *Builder) BrTable(index ID, targets []Edge, def Edge) {
	succs := append(append(b.succs[:0], targets...), def)
	b.terminate(OpBrTable, []ID{index}, succs) // copies succs
	clear(succs)
	b.succs = succs[:0]
}

// Return ends the current block, returning results.
func (b *Builder) Return(results ...ID) { b.terminate(OpReturn, results, nil) }

// Trap ends the current block with an unconditional trap.
func (b *Builder) Trap(kind TrapKind) {
	b.terminate(OpTrap, nil, nil)
	b.cur.Aux = int64(kind)
}
