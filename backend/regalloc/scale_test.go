package regalloc

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// hugeFunc builds a function shaped like an interpreter's dispatch loop
// or a big decompressor: one loop around n diamonds, 32 loop-carried
// values (more than the registers) read and redefined all over it,
// temporaries in every block, a call now and then, and copies between
// values. It has about 14 values and 6 blocks per diamond.
func hugeFunc(n int, coalesce bool) (*Func, *RegInfo) {
	rng := rand.New(rand.NewPCG(uint64(n), 1))
	info := testRegInfo(14, 8)
	var callerSaved RegSet
	for _, r := range info.Order[ClassInt] {
		if !info.CalleeSaved.Has(r) {
			callerSaved = callerSaved.With(r)
		}
	}
	f := &Func{CoalesceCopies: coalesce}
	var globals []VReg
	for range 32 {
		globals = append(globals, f.NewVReg(ClassInt))
	}
	g := func() VReg { return globals[rng.IntN(len(globals))] }
	f.StartBlock(0)
	for _, v := range globals {
		f.AddInstr(0, false, D(v))
	}
	f.AddInstr(0, false)
	f.Blocks[0].Succs = []int32{1}
	body := func() {
		for range 2 + rng.IntN(3) {
			t := f.NewVReg(ClassInt)
			f.AddInstr(0, false, U(g()), U(g()), Operand{V: t, Kind: Def, Fixed: NoPReg, Reuse: 0})
			switch rng.IntN(6) {
			case 0:
				f.AddInstr(0, true, U(t), D(g()))
			case 1:
				f.AddInstr(callerSaved, false, Operand{V: t, Kind: Use, Fixed: 0, Reuse: -1})
			default:
				op := U(t)
				op.MayStack = true
				f.AddInstr(0, false, U(g()), op)
			}
		}
	}
	// Block numbers: header 1, then per diamond: test, left, right, join.
	f.StartBlock(1)
	f.AddInstr(0, false)
	f.Blocks[1].Succs = []int32{2}
	for range n {
		test := int32(len(f.Blocks))
		f.StartBlock(1)
		body()
		f.AddInstr(0, false, U(g()))
		f.Blocks[test].Succs = []int32{test + 1, test + 2}
		for k := range 2 {
			f.StartBlock(1)
			body()
			f.AddInstr(0, false)
			f.Blocks[test+1+int32(k)].Succs = []int32{test + 3}
		}
		f.StartBlock(1)
		body()
		f.AddInstr(0, false)
		f.Blocks[test+3].Succs = []int32{test + 4}
	}
	// The latch goes back to the header or leaves the loop.
	latch := int32(len(f.Blocks))
	f.StartBlock(1)
	f.AddInstr(0, false, U(g()))
	f.Blocks[latch].Succs = []int32{latch + 1, latch + 2}
	f.StartBlock(1)
	f.AddInstr(0, false)
	f.Blocks[latch+1].Succs = []int32{1}
	f.StartBlock(0)
	var ops []Operand
	for _, v := range globals[:4] {
		ops = append(ops, U(v))
	}
	f.AddInstr(0, false, ops...)
	return f, info
}

// TestLinearWork doubles the size of a huge function and checks that the
// allocator's counted work (Steps) roughly doubles too: nothing in it may
// grow with the square of a function's size.
func TestLinearWork(t *testing.T) {
	for _, alg := range []Algorithm{Linear, Greedy} {
		t.Run(alg.String(), func(t *testing.T) { linearWork(t, alg) })
	}
}

func linearWork(t *testing.T, alg Algorithm) {
	for _, coalesce := range []bool{false, true} {
		var steps [2]int64
		for k, n := range []int{1500, 3000} {
			f, info := hugeFunc(n, coalesce)
			a := New(info)
			a.Algorithm = alg
			res, err := a.Allocate(f)
			require.NoError(t, err)
			require.NoError(t, Check(f, info, res))
			steps[k] = a.Steps()
			t.Logf("coalesce=%v: %d blocks, %d values, %d instructions: %d steps; %+v", coalesce, len(f.Blocks), len(f.VRegClass), len(f.Instrs), steps[k], res.Stats)
		}
		ratio := float64(steps[1]) / float64(steps[0])
		require.Less(t, ratio, 2.5, "coalesce=%v: doubling the function multiplied the work by %.2f", coalesce, ratio)
	}
}
