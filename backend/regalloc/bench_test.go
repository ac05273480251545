package regalloc

import (
	"math/rand/v2"
	"testing"
)

// pressureFunc is a function of about 5000 instructions in 40 blocks with
// 200 long-lived values, for the test register file of 8 int and 6 float
// registers: far more evictions than the greedy allocator's budget.
func pressureFunc() (*Func, *RegInfo) {
	rng := rand.New(rand.NewPCG(3, 4))
	info := testRegInfo(8, 6)
	f := &Func{}
	var globals []VReg
	for range 200 {
		globals = append(globals, f.NewVReg(ClassInt))
	}
	nb := 40
	for blk := range nb {
		f.StartBlock(int32(blk % 3))
		if blk == 0 {
			for _, g := range globals {
				f.AddInstr(0, false, D(g))
			}
		}
		for range 120 {
			a, c := globals[rng.IntN(len(globals))], globals[rng.IntN(len(globals))]
			d := f.NewVReg(ClassInt)
			f.AddInstr(0, false, U(a), U(c), Operand{V: d, Kind: Def, Fixed: NoPReg, Reuse: 0})
			f.AddInstr(0, true, U(d), D(globals[rng.IntN(len(globals))]))
		}
		f.AddInstr(0, false)
		if blk+1 < nb {
			f.Blocks[blk].Succs = []int32{int32(blk + 1)}
		}
	}
	return f, info
}

// BenchmarkAllocate allocates pressureFunc; ns/op over the instruction
// count is the cost per instruction.
func BenchmarkAllocate(b *testing.B) {
	f, info := pressureFunc()
	a := New(info)
	res, err := a.Allocate(f)
	if err != nil {
		b.Fatal(err)
	}
	if err := Check(f, info, res); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(f.Instrs)), "instrs")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Allocate(f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAllocateHuge allocates the giant function of TestLinearWork
// (3000 diamonds in one loop, about 84000 instructions) with the greedy
// allocator: the cost per instruction on interpreter-sized functions.
func BenchmarkAllocateHuge(b *testing.B) {
	f, info := hugeFunc(3000, true)
	a := New(info)
	for b.Loop() {
		if _, err := a.Allocate(f); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(f.Instrs)), "instrs")
}
