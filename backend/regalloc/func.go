// Package regalloc is the register allocator shared by every backend.
//
// A backend describes a function as flat arrays (blocks, instructions,
// operands) over dense virtual register numbers, and gets back a location
// for every operand plus the moves, spills and reloads to insert. Two
// algorithms share the lifetimes, the move resolver and the checker
// (Allocator.Algorithm): a greedy, backtracking allocator (greedy.go) and
// linear scan over live intervals with interval splitting
// (after Wimmer and Franz, "Linear Scan Register Allocation on SSA Form" and
// "Optimized Interval Splitting in a Linear Scan Register Allocator"), but
// the input does not have to be in SSA form: a virtual register may be
// defined several times, as long as every use is reached only by
// definitions.
//
// Constraints are attached to operands: a fixed physical register (shift
// counts, division, call arguments and results), "reuse" (the two-address
// x86 form dst == src1), and "may be a stack slot". The allocator satisfies
// them by inserting copies that usually vanish because of register hints.
package regalloc

import "fmt"

// Class is a register class.
type Class uint8

const (
	ClassInt   Class = iota // general purpose registers
	ClassFloat              // float and vector registers
	NumClasses
)

func (c Class) String() string {
	switch c {
	case ClassInt:
		return "int"
	case ClassFloat:
		return "float"
	}
	return fmt.Sprintf("class%d", uint8(c))
}

// PReg is a physical register number defined by the backend (< 64).
type PReg uint8

// NoPReg marks the absence of a physical register.
const NoPReg PReg = 0xff

// RegSet is a set of physical registers.
type RegSet uint64

func (s RegSet) Has(r PReg) bool       { return r < 64 && s&(1<<r) != 0 }
func (s RegSet) With(r PReg) RegSet    { return s | 1<<r }
func (s RegSet) Without(r PReg) RegSet { return s &^ (1 << r) }

// VReg is a virtual register: a dense index into Func.VRegClass.
type VReg int32

// OperandKind says whether an operand is read, written, or both.
type OperandKind uint8

const (
	Use    OperandKind = iota // read before the instruction writes anything
	Def                       // written by the instruction
	UseDef                    // read and written in the same register
)

// Operand is one virtual register mention of an instruction.
type Operand struct {
	V    VReg
	Kind OperandKind
	// Fixed, if not NoPReg, forces the operand into this register for the
	// duration of the instruction.
	Fixed PReg
	// Reuse, for a Def, is the index (within the instruction's operands) of
	// a Use whose register the Def must share; -1 if none.
	Reuse int8
	// MayStack allows a Use to be given a stack slot instead of a register.
	MayStack bool
}

// Instr is one machine instruction as the allocator sees it.
type Instr struct {
	First, End int32 // operand index range in Func.Operands
	Clobbers   RegSet
	// Move marks a plain copy "def = use" of the same class; the allocator
	// tries to give both sides the same register so the copy can be dropped.
	Move bool
	// Remat marks an instruction whose only operand is an unconstrained
	// Def and which reads nothing else that may change (a constant): the
	// greedy allocator executes it again where the value is reloaded,
	// instead of storing and loading the value (Edit.From == RematLoc).
	Remat bool
}

// Block is a basic block: a contiguous range of instructions in layout
// order. The last instruction is the terminator; it must not define
// virtual registers, and must not use any if the block has one successor.
type Block struct {
	First, End int32 // instruction index range in Func.Instrs
	Succs      []int32
	LoopDepth  int32 // 0 outside loops; guides spill and split placement
}

// Func is the allocator's view of a function. Block 0 is the entry. Blocks
// are in layout order; edges from a block with several successors to a
// block with several predecessors (critical edges) must have been split.
type Func struct {
	// CoalesceCopies joins the sources and destinations of copies where
	// that is safe (see coalesce.go). It pays in functions with many
	// merge points (threaded dispatch loops: sha256 45%, go-sort 15%
	// faster) and costs in ordinary loops (bzip2 -d 20% slower), so the
	// backend asks for it.
	CoalesceCopies bool
	Blocks         []Block
	Instrs         []Instr
	Operands       []Operand
	VRegClass      []Class
}

// Reset empties f, keeping its storage.
func (f *Func) Reset() {
	f.CoalesceCopies = false
	f.Blocks = f.Blocks[:0]
	f.Instrs = f.Instrs[:0]
	f.Operands = f.Operands[:0]
	f.VRegClass = f.VRegClass[:0]
}

// NewVReg allocates a virtual register of class c.
func (f *Func) NewVReg(c Class) VReg {
	f.VRegClass = append(f.VRegClass, c)
	return VReg(len(f.VRegClass) - 1)
}

// StartBlock begins a new block whose instructions are the ones added next.
func (f *Func) StartBlock(loopDepth int32) int {
	n := int32(len(f.Instrs))
	if len(f.Blocks) > 0 {
		f.Blocks[len(f.Blocks)-1].End = n
	}
	f.Blocks = append(f.Blocks, Block{First: n, End: n, LoopDepth: loopDepth})
	return len(f.Blocks) - 1
}

// AddInstr appends an instruction with the given operands to the current
// block and returns its index.
func (f *Func) AddInstr(clobbers RegSet, move bool, ops ...Operand) int {
	first := len(f.Operands)
	f.Operands = append(f.Operands, ops...)
	return f.CloseInstr(first, clobbers, move)
}

// CloseInstr appends an instruction whose operands the caller appended to
// f.Operands from index first on, and returns its index.
func (f *Func) CloseInstr(first int, clobbers RegSet, move bool) int {
	f.Instrs = append(f.Instrs, Instr{First: int32(first), End: int32(len(f.Operands)), Clobbers: clobbers, Move: move})
	f.Blocks[len(f.Blocks)-1].End = int32(len(f.Instrs))
	return len(f.Instrs) - 1
}

// U, D and UD build unconstrained operands.
func U(v VReg) Operand  { return Operand{V: v, Kind: Use, Fixed: NoPReg, Reuse: -1} }
func D(v VReg) Operand  { return Operand{V: v, Kind: Def, Fixed: NoPReg, Reuse: -1} }
func UD(v VReg) Operand { return Operand{V: v, Kind: UseDef, Fixed: NoPReg, Reuse: -1} }

// RegInfo describes an architecture's register file to the allocator.
type RegInfo struct {
	Names []string // indexed by PReg
	// Order lists, per class, the allocatable registers in order of
	// preference (caller-saved first, so callee-saved ones are used only
	// when needed).
	Order       [NumClasses][]PReg
	CalleeSaved RegSet
	SlotSize    [NumClasses]int32 // bytes of a spill slot per class
}

// Loc is where an operand lives: a physical register (>= 0) or a stack
// slot (< 0, see Slot).
type Loc int32

// NoLoc is the zero-information location.
const NoLoc Loc = -1 << 31

// RematLoc is the source of an Edit that executes the instruction Edit.Def
// again, with Edit.To as its destination, instead of copying a value.
const RematLoc Loc = NoLoc + 1

func RegLoc(r PReg) Loc    { return Loc(r) }
func SlotLoc(s int32) Loc  { return Loc(-s - 1) }
func (l Loc) IsReg() bool  { return l >= 0 }
func (l Loc) IsSlot() bool { return l < 0 && l != NoLoc && l != RematLoc }
func (l Loc) Reg() PReg    { return PReg(l) }
func (l Loc) Slot() int32  { return int32(-l - 1) }
func (l Loc) String() string {
	switch {
	case l == NoLoc:
		return "none"
	case l == RematLoc:
		return "remat"
	case l.IsReg():
		return fmt.Sprintf("r%d", l)
	}
	return fmt.Sprintf("slot%d", l.Slot())
}

// Edit is a copy to insert immediately before instruction At. Edits with
// the same At are listed in execution order.
type Edit struct {
	At       int32
	From, To Loc
	Class    Class
	V        VReg // the value being copied (for the checker and debugging)
	// Def, if From is RematLoc, is the instruction (Instr.Remat) to
	// execute again.
	Def int32
}

// Stats counts what the allocator inserted.
type Stats struct {
	Moves, Spills, Reloads int // reg->reg, reg->slot, slot->reg edits
	Remats                 int // instructions executed again instead of reloads
}

// Result is the outcome of an allocation.
type Result struct {
	Locs  []Loc // per operand of Func.Operands
	Edits []Edit
	// SlotOffset and SlotClass describe every stack slot: its byte offset
	// within the spill area and its class. The scratch slot used to break
	// move cycles is one of them.
	SlotOffset      []int32
	SlotClass       []Class
	FrameSize       int32 // bytes of the spill area, a multiple of 16
	UsedCalleeSaved RegSet
	Stats           Stats
	// Dropped, if not nil, marks per instruction the copies that have
	// nothing to do: both operands were given the same location (which
	// may be a stack slot even for the destination). The backend removes
	// them.
	Dropped []bool
	// Joined, with Dropped, maps every virtual register to the one it was
	// joined with (itself if none): a joined value may be found in a
	// location under any member's name.
	Joined []VReg
}

func (r *Result) count() {
	r.Stats = Stats{}
	for _, e := range r.Edits {
		switch {
		case e.From == RematLoc:
			r.Stats.Remats++
		case e.From.IsReg() && e.To.IsReg():
			r.Stats.Moves++
		case e.From.IsReg():
			r.Stats.Spills++
		default:
			r.Stats.Reloads++
		}
	}
}
