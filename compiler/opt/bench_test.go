package opt

import (
	"testing"

	"github.com/wasiaot/wasiaot/compiler/ssa"
)

// buildLoops builds a function of n loops in sequence, each with an
// induction variable, a loop-invariant parameter, foldable constants, a
// load and a store: the shape the wasm lowering produces.
func buildLoops(n int) *ssa.Func {
	f := ssa.NewFunc("loops", ssa.Signature{Params: []ssa.Type{ssa.TypeI32}, Results: []ssa.Type{ssa.TypeI32}})
	b := ssa.NewBuilder(f)
	entry := b.NewBlock(ssa.TypeI32)
	b.SetBlock(entry)
	acc := entry.Params[0]
	for range n {
		head := b.NewBlock(ssa.TypeI32, ssa.TypeI32, ssa.TypeI32)
		exit := b.NewBlock(ssa.TypeI32)
		zero := b.I32Const(0)
		b.Jump(head, zero, acc, acc)
		b.SetBlock(head)
		i, inv, sum := head.Params[0], head.Params[1], head.Params[2]
		c := b.Op2(ssa.OpI32Mul, b.I32Const(4), b.I32Const(8))
		x := b.Load(ssa.OpI32Load, i, 0, 2, 0)
		y := b.Op2(ssa.OpI32Add, x, c)
		b.Store(ssa.OpI32Store, inv, y, 4, 2, 0)
		s := b.Op2(ssa.OpI32Add, sum, y)
		next := b.Op2(ssa.OpI32Add, i, b.I32Const(1))
		cond := b.Op2(ssa.OpI32LtU, next, inv)
		b.BrIf(cond, head, []ssa.ID{next, inv, s}, exit, []ssa.ID{s})
		b.SetBlock(exit)
		acc = exit.Params[0]
	}
	b.Return(acc)
	return f
}

func TestPipelineLoops(t *testing.T) {
	f := buildLoops(50)
	if err := ssa.Verify(f); err != nil {
		t.Fatal(err)
	}
	Pipeline(f, 1, func(pass string, f *ssa.Func) {
		if err := ssa.Verify(f); err != nil {
			t.Fatalf("after %s: %v", pass, err)
		}
	})
	// The invariant parameter is gone from every loop header, and the
	// multiplication folded.
	for _, blk := range f.Blocks[1:] {
		if len(blk.Params) > 2 {
			t.Fatalf("b%d still has %d parameters", blk.ID, len(blk.Params))
		}
		for _, id := range blk.Instrs {
			if f.Value(id).Op == ssa.OpI32Mul {
				t.Fatalf("b%d: multiplication of constants not folded", blk.ID)
			}
		}
	}
}

func BenchmarkPipeline(b *testing.B) {
	for range b.N {
		b.StopTimer()
		f := buildLoops(1000)
		b.StartTimer()
		Pipeline(f, 1, nil)
	}
}

func BenchmarkVerify(b *testing.B) {
	f := buildLoops(1000)
	b.ResetTimer()
	for range b.N {
		if err := ssa.Verify(f); err != nil {
			b.Fatal(err)
		}
	}
}
