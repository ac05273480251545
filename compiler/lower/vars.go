package lower

import "github.com/wasiaot/wasiaot/compiler/ssa"

// SSA construction for locals, after Braun et al. Definitions in the
// current block live in a dense per-local array stamped with the block's
// activation serial; definitions in finished blocks live in defTable,
// keyed by (block, local). A block's parameters are created on demand: in
// an unsealed block (a loop header before its end) as incomplete
// parameters whose edge arguments are filled in when the block is sealed,
// in a sealed block with several predecessors at once (outside loop
// headers, only if the predecessors disagree). Parameters that receive one
// value on every edge are removed in finish.
//
// wasm's structure shortens the backward searches of the paper: a write
// clock per local tells whether it changed since an enclosing construct
// (or loop) began, in which case the search starts at that construct's
// entry block, or skips the loop; and a block entered right after its
// only predecessor keeps that block's definitions in the dense array.

// blockState is the construction state of one block, indexed by BlockID.
type blockState struct {
	sealed     bool
	loop       bool  // a loop header: the only blocks on cycles
	dead       bool  // never entered (the unused else side of an if)
	incomplete int32 // head of the incomplete-parameter list, -1 if none
	mark       uint32
	// defined has bit v%64 set if the block may have a definition of local
	// v in defTable: most lookups in blocks that define nothing skip the
	// table.
	defined uint64
	// loopClock is, for a loop header, the write clock when the loop
	// started: a local last written before it is not written in the loop.
	loopClock uint64
}

// incompleteParam is a parameter created in an unsealed block for local v,
// at index idx of the block's parameters.
type incompleteParam struct {
	v    uint32
	idx  int32
	next int32
}

// readVar returns the value of local v at the end of block b (or at the
// current point if b is the current block).
func (l *funcLowerer) readVar(v uint32, b ssa.BlockID) ssa.ID {
	if b != l.cur.ID {
		if l.blk[b].defined&(1<<(v&63)) != 0 {
			if id, ok := l.defs.get(b, v); ok {
				return id
			}
		}
		return l.readVarRec(v, b)
	}
	if l.curStamp[v] >= l.chainStart {
		return l.curVal[v]
	}
	// Not defined in the current block: rather than searching backwards
	// block by block, start from the outermost enclosing construct in
	// which v was not written (but not outside the innermost loop), or
	// else from the head of the chain of single-predecessor blocks ending
	// here (the blocks in between need no record of v).
	from := l.chainHead
	for i := l.frames[len(l.frames)-1].loopAt; i < len(l.frames); i++ {
		fr := &l.frames[i]
		if l.written[v] <= fr.clock && fr.entry != b && !fr.noEntry {
			from = fr.entry
			break
		}
	}
	if from == b {
		return l.readVarRec(v, b)
	}
	val := l.readVar(v, from)
	l.writeVar(v, b, val)
	return val
}

// setLocal is local.set and local.tee.
func (l *funcLowerer) setLocal(v uint32, val ssa.ID) {
	l.clock++
	l.written[v] = l.clock
	l.writeVar(v, l.cur.ID, val)
}

// lookup returns the value of local v recorded for block b, if any.
func (l *funcLowerer) lookup(v uint32, b ssa.BlockID) (ssa.ID, bool) {
	if b == l.cur.ID {
		return l.curVal[v], l.curStamp[v] >= l.chainStart
	}
	if l.blk[b].defined&(1<<(v&63)) == 0 {
		return 0, false
	}
	return l.defs.get(b, v)
}

func (l *funcLowerer) readVarRec(v uint32, b ssa.BlockID) ssa.ID {
	l.steps++
	blk := l.f.Block(b)
	t := l.localTypes[v]
	var val ssa.ID
	switch {
	case !l.blk[b].sealed:
		val = l.f.AddParam(blk, t)
		l.inc = append(l.inc, incompleteParam{v: v, idx: int32(len(blk.Params) - 1), next: l.blk[b].incomplete})
		l.blk[b].incomplete = int32(len(l.inc) - 1)
	case len(blk.Preds) == 0:
		// The entry block: locals start out as zero.
		val = l.zeroValue(t)
	case len(blk.Preds) == 1:
		val = l.readVar(v, blk.Preds[0])
	case l.blk[b].loop && l.written[v] <= l.blk[b].loopClock:
		// A sealed loop that does not write v: its value comes from
		// before the loop (the first predecessor is the loop's entry).
		val = l.readVar(v, blk.Preds[0])
	case !l.blk[b].loop:
		// Outside loop headers, reading the predecessors first is safe (a
		// cycle through this block passes a loop header, which stops the
		// search or defines v) and avoids parameters that would only be
		// removed again.
		same, differ := ssa.ID(-1), false
		for _, p := range blk.Preds {
			x := l.readVar(v, p)
			if same >= 0 && x != same {
				differ = true
				break
			}
			same = x
		}
		if id, ok := l.lookup(v, b); ok {
			return id // defined meanwhile, through a cycle
		}
		if !differ {
			val = same
			break
		}
		fallthrough
	default:
		// Define the parameter before reading the predecessors, so that a
		// cycle back to this block finds it.
		val = l.f.AddParam(blk, t)
		l.writeVar(v, b, val)
		l.fillParam(blk, len(blk.Params)-1, v)
	}
	l.writeVar(v, b, val)
	return val
}

// writeVar records val as the value of local v in block b.
func (l *funcLowerer) writeVar(v uint32, b ssa.BlockID, val ssa.ID) {
	if b == l.cur.ID {
		if l.curStamp[v] != l.serial {
			l.curStamp[v] = l.serial
			l.dirty = append(l.dirty, v)
		}
		l.curVal[v] = val
		return
	}
	l.putDef(b, v, val)
}

// putDef records a definition in a block other than the current one.
func (l *funcLowerer) putDef(b ssa.BlockID, v uint32, val ssa.ID) {
	l.blk[b].defined |= 1 << (v & 63)
	l.defs.put(b, v, val)
}

// fillParam sets, on every edge into blk, the argument for parameter idx
// (local v) to the value of v at the end of the edge's source block.
func (l *funcLowerer) fillParam(blk *ssa.Block, idx int, v uint32) {
	prev := ssa.NoBlock
	for i := 0; i < len(blk.Preds); i++ {
		p := blk.Preds[i]
		if p == prev {
			continue // br_table edges to one block are adjacent
		}
		prev = p
		l.steps++
		val := l.readVar(v, p)
		succs := l.f.Block(p).Succs
		for j := range succs {
			if succs[j].Block == blk.ID {
				setArg(&succs[j], idx, val)
			}
		}
	}
}

// setArg sets argument idx of e, growing the argument list as needed:
// parameters may be filled out of order while a block is sealed.
func setArg(e *ssa.Edge, idx int, val ssa.ID) {
	for len(e.Args) <= idx {
		e.Args = append(e.Args, -1)
	}
	e.Args[idx] = val
}

// seal records that all predecessors of blk are known and completes its
// incomplete parameters.
func (l *funcLowerer) seal(blk *ssa.Block) {
	st := &l.blk[blk.ID]
	st.sealed = true
	head := st.incomplete
	st.incomplete = -1
	for n := head; n >= 0; n = l.inc[n].next {
		v, idx := l.inc[n].v, int(l.inc[n].idx)
		if l.blk[blk.ID].loop && l.written[v] <= l.blk[blk.ID].loopClock {
			// The loop does not write v: every back edge passes the
			// parameter itself, and only the entry edge needs a search.
			// (The parameter is removed in finish.)
			p := blk.Params[idx]
			entry := blk.Preds[0]
			for _, pred := range blk.Preds {
				succs := l.f.Block(pred).Succs
				for j := range succs {
					if succs[j].Block == blk.ID {
						setArg(&succs[j], idx, p)
					}
				}
			}
			val := l.readVar(v, entry)
			succs := l.f.Block(entry).Succs
			for j := range succs {
				if succs[j].Block == blk.ID {
					setArg(&succs[j], idx, val)
				}
			}
			continue
		}
		l.fillParam(blk, idx, v)
	}
}

// zeroValue returns the zero value of type t, defined at the top of the
// entry block (it is placed there in finish).
func (l *funcLowerer) zeroValue(t ssa.Type) ssa.ID {
	if id := l.zero[t]; id != 0 {
		return id - 1
	}
	var op ssa.Op
	switch t {
	case ssa.TypeI32:
		op = ssa.OpI32Const
	case ssa.TypeI64:
		op = ssa.OpI64Const
	case ssa.TypeF32:
		op = ssa.OpF32Const
	case ssa.TypeF64:
		op = ssa.OpF64Const
	case ssa.TypeV128:
		op = ssa.OpV128Const
	default:
		op = ssa.OpRefNull
	}
	v := l.f.NewValue(op, t)
	v.Block = l.f.Entry().ID
	l.zeros = append(l.zeros, v.ID)
	l.zero[t] = v.ID + 1
	return v.ID
}

// defTable maps (block, local) to a value. It starts as a hash table:
// open addressing with linear probing, cleared in O(1) by bumping the
// generation, every function starting with a small table in the prefix of
// the storage the largest one grew (hashing a small function's keys over a
// giant function's table would scatter them over many megabytes). When it
// fills up densely, it turns into a row of every local per block: an
// interpreter loop carries most of its locals through every block, and
// hashing those (blocks × locals) keys scattered them over a table of
// tens of megabytes, a cache miss on every access, where the rows take a
// few.
type defTable struct {
	// dense: rows of nlocals values (+1, 0 for none), rowOf[b] is block
	// b's row +1 (0 for none).
	dense   bool
	nlocals int
	// While hashed: has has bit b set for each block b with an entry,
	// nblocks counts them.
	has     []uint64
	nblocks int
	rowOf   []int32
	rows    []ssa.ID

	store   []defSlot // reused between functions
	slots   []defSlot // the table: a power-of-two prefix of store
	shift   uint      // 64 - log2(len(slots))
	gen     uint32
	n       int
	scratch []defSlot // the entries being moved by grow
}

type defSlot struct {
	key uint64
	val ssa.ID
	gen uint32
}

// defTableStart is log2 of a hash table's size at the start of a function.
const defTableStart = 10

// denseFill is the share of (block, local) pairs defined from which the
// rows take less memory than the hash table would after growing: a row
// costs 4 bytes per local, the grown table 64 bytes per entry (16-byte
// slots, a quarter full).
const denseFill = 16

func defKey(b ssa.BlockID, v uint32) uint64 { return uint64(uint32(b))<<32 | uint64(v) }

// reset empties the table for a function with nlocals locals.
func (t *defTable) reset(nlocals int) {
	t.dense = false
	t.nlocals = nlocals
	clear(t.has)
	t.has = t.has[:0]
	t.nblocks = 0
	t.rowOf = t.rowOf[:0]
	t.rows = t.rows[:0]
	t.use(defTableStart)
	t.n = 0
}

func (t *defTable) get(b ssa.BlockID, v uint32) (ssa.ID, bool) {
	if t.dense {
		if int(b) >= len(t.rowOf) || t.rowOf[b] == 0 {
			return 0, false
		}
		x := t.rows[int(t.rowOf[b]-1)*t.nlocals+int(v)]
		return x - 1, x != 0
	}
	k := defKey(b, v)
	mask := uint64(len(t.slots) - 1)
	for i := t.hash(k); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.gen != t.gen {
			return 0, false
		}
		if s.key == k {
			return s.val, true
		}
	}
}

func (t *defTable) put(b ssa.BlockID, v uint32, val ssa.ID) {
	if !t.dense && 2*(t.n+1) > len(t.slots) {
		t.grow()
	}
	if t.dense {
		t.putRow(b, v, val)
		return
	}
	if w := int(b) >> 6; w >= len(t.has) {
		t.has = append(t.has, make([]uint64, w+1-len(t.has))...)
	}
	if bit := uint64(1) << (b & 63); t.has[b>>6]&bit == 0 {
		t.has[b>>6] |= bit
		t.nblocks++
	}
	t.putKey(defKey(b, v), val)
}

func (t *defTable) putRow(b ssa.BlockID, v uint32, val ssa.ID) {
	if int(b) >= len(t.rowOf) {
		t.rowOf = append(t.rowOf, make([]int32, int(b)+1-len(t.rowOf))...)
	}
	if t.rowOf[b] == 0 {
		t.rowOf[b] = int32(len(t.rows)/t.nlocals) + 1
		t.rows = append(t.rows, make([]ssa.ID, t.nlocals)...)
	}
	t.rows[int(t.rowOf[b]-1)*t.nlocals+int(v)] = val + 1
}

// use makes the hash table the first 1<<log2 slots of store, all empty.
func (t *defTable) use(log2 uint) {
	size := 1 << log2
	if len(t.store) < size {
		t.store = make([]defSlot, size)
		t.gen = 0
	}
	t.gen++
	if t.gen == 0 {
		clear(t.store)
		t.gen = 1
	}
	t.slots = t.store[:size]
	t.shift = 64 - log2
}

// hash is Fibonacci hashing: the top bits of the product.
func (t *defTable) hash(k uint64) uint64 { return (k * 0x9E3779B97F4A7C15) >> t.shift }

// putKey puts a key in the hash table, which has room for it.
func (t *defTable) putKey(k uint64, v ssa.ID) {
	mask := uint64(len(t.slots) - 1)
	for i := t.hash(k); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.gen != t.gen {
			*s = defSlot{key: k, val: v, gen: t.gen}
			t.n++
			return
		}
		if s.key == k {
			s.val = v
			return
		}
	}
}

// grow doubles the hash table, in place when store has room, or turns
// it into rows if they would take less memory.
func (t *defTable) grow() {
	live := t.scratch[:0]
	for _, s := range t.slots {
		if s.gen == t.gen {
			live = append(live, s)
		}
	}
	if denseFill*len(live) >= t.nblocks*t.nlocals {
		t.dense = true
		for _, s := range live {
			t.putRow(ssa.BlockID(s.key>>32), uint32(s.key), s.val)
		}
		t.scratch = live[:0]
		return
	}
	t.scratch = live[:0]
	t.use(uint(65 - t.shift))
	t.n = 0
	for _, s := range live {
		t.putKey(s.key, s.val)
	}
}
