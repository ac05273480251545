package ssa

import (
	"errors"
	"fmt"
	"slices"
)

// maxVerifyErrors caps how many problems one Verify call reports.
const maxVerifyErrors = 10

// Verify checks that f is well formed: block structure, predecessor
// lists, op signatures and immediates, block arguments against block
// parameters, entry parameters and returns against the signature, and SSA
// dominance (every use is dominated by its definition). It reports the
// first few problems found.
func Verify(f *Func) error {
	v := verifier{f: f}
	v.run()
	return errors.Join(v.errs...)
}

type verifier struct {
	f    *Func
	errs []error
	pos  []int32 // position of each value in its block: -1 for params
}

func (v *verifier) errorf(format string, args ...any) {
	if len(v.errs) < maxVerifyErrors {
		v.errs = append(v.errs, fmt.Errorf(format, args...))
	}
}

func (v *verifier) run() {
	f := v.f
	if len(f.Blocks) == 0 {
		v.errorf("function %s has no blocks", f.Name)
		return
	}
	inLayout := make([]bool, len(f.blocks))
	for _, b := range f.Blocks {
		if b == nil || int(b.ID) >= len(f.blocks) || b.ID < 0 || f.blocks[b.ID] != b {
			v.errorf("layout holds a block that is not in the function")
			return
		}
		if inLayout[b.ID] {
			v.errorf("b%d appears twice in the layout", b.ID)
			return
		}
		inLayout[b.ID] = true
	}
	// Edge targets must exist before anything walks the CFG.
	for _, b := range f.Blocks {
		for _, e := range b.Succs {
			if e.Block < 0 || int(e.Block) >= len(f.blocks) || !inLayout[e.Block] {
				v.errorf("b%d: branch to missing block b%d", b.ID, e.Block)
			}
		}
	}
	if len(v.errs) > 0 {
		return
	}
	entry := f.Entry()
	if n := len(entry.Preds); n != 0 {
		v.errorf("entry block b%d has %d predecessors", entry.ID, n)
	}
	v.checkPreds()
	v.checkDefs()
	if len(v.errs) > 0 {
		return
	}
	if len(entry.Params) != len(f.Sig.Params) {
		v.errorf("entry block b%d has %d parameters, signature has %d", entry.ID, len(entry.Params), len(f.Sig.Params))
	} else {
		for i, id := range entry.Params {
			if t := f.Value(id).Type; t != f.Sig.Params[i] {
				v.errorf("entry parameter v%d is %s, signature says %s", id, t, f.Sig.Params[i])
			}
		}
	}
	for _, b := range f.Blocks {
		for _, id := range b.Instrs {
			v.checkValue(f.Value(id))
		}
		v.checkTerm(b)
	}
	if len(v.errs) == 0 {
		v.checkDominance()
	}
}

// checkPreds compares each predecessor list, as a multiset, with the edges.
func (v *verifier) checkPreds() {
	f := v.f
	want := make([][]BlockID, len(f.blocks))
	for _, b := range f.Blocks {
		for _, e := range b.Succs {
			want[e.Block] = append(want[e.Block], b.ID)
		}
	}
	for _, b := range f.Blocks {
		got := slices.Clone(b.Preds)
		slices.Sort(got)
		slices.Sort(want[b.ID])
		if !slices.Equal(got, want[b.ID]) {
			v.errorf("b%d: predecessors %v, edges say %v", b.ID, b.Preds, want[b.ID])
		}
	}
}

// checkDefs checks that every value in a block is defined exactly once and
// records its position.
func (v *verifier) checkDefs() {
	f := v.f
	v.pos = make([]int32, f.nvalues)
	seen := make([]bool, f.nvalues)
	def := func(b *Block, id ID, pos int32) *Value {
		if id < 0 || int(id) >= f.nvalues {
			v.errorf("b%d: v%d does not exist", b.ID, id)
			return nil
		}
		if seen[id] {
			v.errorf("b%d: v%d is defined twice", b.ID, id)
			return nil
		}
		seen[id] = true
		v.pos[id] = pos
		x := f.Value(id)
		if x.Block != b.ID {
			v.errorf("b%d: v%d says it is in b%d", b.ID, id, x.Block)
		}
		return x
	}
	for _, b := range f.Blocks {
		for _, id := range b.Params {
			if x := def(b, id, -1); x != nil && (x.Op != OpParam || !x.Type.IsValue()) {
				v.errorf("b%d: parameter v%d is %s:%s", b.ID, id, x.Op, x.Type)
			}
		}
		for i, id := range b.Instrs {
			x := def(b, id, int32(i))
			if x == nil {
				continue
			}
			if x.Op == OpInvalid || x.Op == OpParam || int(x.Op) >= NumOps || x.Op.IsTerminator() {
				v.errorf("b%d: v%d has op %s, which cannot be an instruction", b.ID, id, x.Op)
			}
		}
	}
	check := func(b *Block, ids []ID) {
		for _, a := range ids {
			if a < 0 || int(a) >= f.nvalues || !seen[a] {
				v.errorf("b%d: use of undefined value v%d", b.ID, a)
			}
		}
	}
	for _, b := range f.Blocks {
		for _, id := range b.Instrs {
			if int(id) < f.nvalues && id >= 0 {
				check(b, f.Value(id).Args)
			}
		}
		check(b, b.Controls)
		for _, e := range b.Succs {
			check(b, e.Args)
		}
	}
}

func typeOK(want, got, self Type) bool {
	switch want {
	case typeAny:
		return got.IsValue()
	case typeRef:
		return got.IsRef()
	case typeSame:
		return got == self
	}
	return got == want
}

func (v *verifier) checkValue(x *Value) {
	f := v.f
	info := x.Op.Info()
	where := func() string { return fmt.Sprintf("b%d: %s", x.Block, x) }
	switch info.Result {
	case typeAny:
		if !x.Type.IsValue() && x.Op != OpCall && x.Op != OpCallImport && x.Op != OpCallIndirect {
			v.errorf("%s: result type %s is not a value type", where(), x.Type)
		}
	case typeRef:
		if !x.Type.IsRef() {
			v.errorf("%s: result type %s is not a reference type", where(), x.Type)
		}
	default:
		if x.Type != info.Result {
			v.errorf("%s: result type is %s, want %s", where(), x.Type, info.Result)
		}
	}
	args := x.Args
	if info.Variadic {
		v.checkCall(x, where)
		return
	}
	if len(args) != len(info.Args) {
		v.errorf("%s: %d arguments, want %d", where(), len(args), len(info.Args))
		return
	}
	for i, a := range args {
		if t := f.Value(a).Type; !typeOK(info.Args[i], t, x.Type) {
			want := info.Args[i]
			if want == typeSame {
				want = x.Type
			}
			v.errorf("%s: argument %d is %s, want %s", where(), i, t, want)
		}
	}
	switch info.Aux {
	case AuxInt:
		if x.Op == OpI32Const && int64(int32(x.Aux)) != x.Aux {
			v.errorf("%s: i32 constant not sign-extended", where())
		}
	case AuxF32:
		if uint64(x.Aux)>>32 != 0 {
			v.errorf("%s: f32 constant has high bits set", where())
		}
	case AuxTrap:
		if x.Aux <= 0 || x.Aux > 255 || !TrapKind(x.Aux).IsWasm() {
			v.errorf("%s: bad trap kind %d", where(), x.Aux)
		}
	case AuxLane, AuxMemLane:
		if n := x.Op.LaneCount(); int(x.Lane()) >= n || info.Aux == AuxLane && uint64(x.Aux) >= uint64(n) {
			v.errorf("%s: lane %d out of range (%d lanes)", where(), x.Lane(), n)
		}
	case AuxShuffle:
		for _, l := range x.ShuffleLanes() {
			if l >= 32 {
				v.errorf("%s: shuffle lane %d out of range", where(), l)
				break
			}
		}
	case AuxNone:
		if x.Op.IsDiv() && (x.Aux < 0 || x.Aux >= 1<<numDivFlags) {
			v.errorf("%s: bad division flags %d", where(), x.Aux)
		}
	}
	if x.Op == OpExtract {
		call := f.Value(args[0])
		if call.Op != OpCall && call.Op != OpCallImport && call.Op != OpCallIndirect {
			v.errorf("%s: extract from %s, want a call", where(), call.Op)
			return
		}
		if call.Aux2 < 0 || call.Aux2 >= int64(len(f.Sigs)) {
			return // reported at the call
		}
		res := f.Sigs[call.Aux2].Results
		if x.Aux < 0 || x.Aux >= int64(len(res)) {
			v.errorf("%s: result %d out of range, the call has %d", where(), x.Aux, len(res))
		} else if res[x.Aux] != x.Type {
			v.errorf("%s: result %d is %s", where(), x.Aux, res[x.Aux])
		}
	}
}

func (v *verifier) checkCall(x *Value, where func() string) {
	f := v.f
	if x.Aux2 < 0 || x.Aux2 >= int64(len(f.Sigs)) {
		v.errorf("%s: no signature sig%d", where(), x.Aux2)
		return
	}
	sig := &f.Sigs[x.Aux2]
	args := x.Args
	if x.Op == OpCallIndirect {
		if len(args) == 0 || f.Value(args[0]).Type != TypeI32 {
			v.errorf("%s: call_indirect needs an i32 table index first", where())
			return
		}
		args = args[1:]
	}
	v.checkList(where, "arguments", args, sig.Params)
	if t := sig.ResultType(); x.Type != t {
		v.errorf("%s: result type is %s, signature gives %s", where(), x.Type, t)
	}
}

// checkList checks the types of ids against want.
func (v *verifier) checkList(where func() string, what string, ids []ID, want []Type) {
	if len(ids) != len(want) {
		v.errorf("%s: %d %s, want %d", where(), len(ids), what, len(want))
		return
	}
	for i, id := range ids {
		if t := v.f.Value(id).Type; t != want[i] {
			v.errorf("%s: %s %d (v%d) is %s, want %s", where(), what, i, id, t, want[i])
		}
	}
}

// checkEdge checks an edge's arguments against its target's parameters.
func (v *verifier) checkEdge(where func() string, e Edge) {
	params := v.f.blocks[e.Block].Params
	if len(e.Args) != len(params) {
		v.errorf("%s: %d arguments to b%d, want %d", where(), len(e.Args), e.Block, len(params))
		return
	}
	for i, id := range e.Args {
		t, want := v.f.Value(id).Type, v.f.Value(params[i]).Type
		if t != want {
			v.errorf("%s: arguments to b%d %d (v%d) is %s, want %s", where(), e.Block, i, id, t, want)
		}
	}
}

func (v *verifier) checkTerm(b *Block) {
	f := v.f
	where := func() string { return fmt.Sprintf("b%d: %s", b.ID, appendTerm(nil, b)) }
	nsucc, nctl := -1, 0
	switch b.Term {
	case OpJump:
		nsucc = 1
	case OpBrIf:
		nsucc, nctl = 2, 1
	case OpBrTable:
		nctl = 1
		if len(b.Succs) == 0 {
			v.errorf("%s: br_table needs a default target", where())
		}
	case OpReturn:
		nsucc = 0
		v.checkList(where, "results", b.Controls, f.Sig.Results)
		nctl = len(b.Controls)
	case OpTrap:
		nsucc = 0
		if b.Aux <= 0 || b.Aux > 255 || !TrapKind(b.Aux).IsWasm() {
			v.errorf("%s: bad trap kind %d", where(), b.Aux)
		}
	default:
		v.errorf("b%d: does not end in a terminator (has %s)", b.ID, b.Term)
		return
	}
	if nsucc >= 0 && len(b.Succs) != nsucc {
		v.errorf("%s: %d successors, want %d", where(), len(b.Succs), nsucc)
	}
	if len(b.Controls) != nctl {
		v.errorf("%s: %d operands, want %d", where(), len(b.Controls), nctl)
	} else if nctl == 1 && b.Term != OpReturn && f.Value(b.Controls[0]).Type != TypeI32 {
		v.errorf("%s: operand is %s, want i32", where(), f.Value(b.Controls[0]).Type)
	}
	for _, e := range b.Succs {
		v.checkEdge(where, e)
	}
}

// checkDominance checks that each use in a reachable block is dominated by
// its definition. Edge arguments are uses at the end of the branching block.
func (v *verifier) checkDominance() {
	f := v.f
	dom := ComputeDom(f)
	use := func(b *Block, pos int32, id ID) {
		d := f.Value(id)
		if d.Block == b.ID {
			if v.pos[id] >= pos {
				v.errorf("b%d: v%d is used before it is defined", b.ID, id)
			}
			return
		}
		if !dom.Dominates(d.Block, b.ID) {
			v.errorf("b%d: use of v%d is not dominated by its definition in b%d", b.ID, id, d.Block)
		}
	}
	for _, b := range dom.RPO {
		for i, id := range b.Instrs {
			for _, a := range f.Value(id).Args {
				use(b, int32(i), a)
			}
		}
		end := int32(len(b.Instrs))
		for _, a := range b.Controls {
			use(b, end, a)
		}
		for _, e := range b.Succs {
			for _, a := range e.Args {
				use(b, end, a)
			}
		}
	}
}
