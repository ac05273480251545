package ssa

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/runtime/trap"
)

func TestOpTable(t *testing.T) {
	seen := map[string]Op{}
	for op := Op(1); op < numOps; op++ {
		info := op.Info()
		require.NotEmpty(t, info.Name, "op %d has no name", op)
		prev, dup := seen[info.Name]
		require.False(t, dup, "%s named twice (%d, %d)", info.Name, prev, op)
		seen[info.Name] = op
		got, ok := LookupOp(info.Name)
		require.True(t, ok)
		require.Equal(t, op, got)
		if info.Effects&EffTerm == 0 {
			require.True(t, info.Result < numTypes || info.Result == typeAny || info.Result == typeRef, "%s", op)
		}
		if info.Commutative {
			require.Len(t, info.Args, 2, "%s", op)
			require.Equal(t, info.Args[0], info.Args[1], "%s", op)
		}
	}
	require.True(t, OpI32DivS.HasSideEffects())
	require.True(t, OpI32Load.HasSideEffects()) // may trap out of bounds
	require.False(t, OpGlobalGet.HasSideEffects())
	require.False(t, OpGlobalGet.IsPure())
	require.True(t, OpI32Add.IsPure())
	require.True(t, OpBrTable.IsTerminator())
}

// TestAllOps builds one instance of every instruction op with the builder,
// and checks that the result verifies and round-trips through the text form.
func TestAllOps(t *testing.T) {
	argTypes := []Type{TypeI32, TypeI64, TypeF32, TypeF64, TypeFuncref, TypeExternref, TypeV128}
	f := NewFunc("all", Signature{Params: argTypes})
	b := NewBuilder(f)
	entry := b.NewBlock(argTypes...)
	b.SetBlock(entry)
	param := func(t Type) ID {
		for i, at := range argTypes {
			if at == t {
				return entry.Params[i]
			}
		}
		panic(t)
	}
	sig := b.Sig(Signature{Params: []Type{TypeI32}, Results: []Type{TypeI64, TypeF32}})
	tuple := b.Call(OpCall, 1, sig, param(TypeI32))
	count := 0
	for op := Op(1); op < numOps; op++ {
		info := op.Info()
		if op == OpParam || op.IsTerminator() || info.Variadic {
			continue
		}
		res := info.Result
		switch res {
		case typeAny:
			res = TypeI32
		case typeRef:
			res = TypeFuncref
		}
		if op == OpExtract {
			res = TypeF32
		}
		var args []ID
		for _, at := range info.Args {
			switch at {
			case typeSame:
				args = append(args, param(res))
			case typeAny:
				args = append(args, param(TypeI32))
			case typeRef:
				args = append(args, param(TypeFuncref))
			case TypeTuple:
				args = append(args, tuple)
			default:
				args = append(args, param(at))
			}
		}
		var aux, aux2 int64
		switch info.Aux {
		case AuxMem:
			aux, aux2 = 12, 1<<8|2
		case AuxMemLane:
			aux, aux2 = 12, 1<<48|1<<8|2
		case AuxLane:
			aux = 1
		case AuxTrap:
			aux = int64(trap.IntegerOverflow)
		case AuxIndex:
			aux = 1
		case AuxInt, AuxF32, AuxF64:
			aux = 1
		default:
			aux, aux2 = 3, 4
		}
		b.EmitAux(op, res, aux, aux2, args...)
		count++
	}
	require.Equal(t, NumOps-10, count) // all but invalid, param, 3 calls, 5 terminators
	b.Call(OpCallImport, 0, b.Sig(Signature{}))
	b.CallIndirect(5, 1, sig, param(TypeI32), param(TypeI32))
	b.TrapIf(OpTrapnz, param(TypeI32), trap.Unreachable)
	x := b.Op2(OpI32Add, param(TypeI32), b.I32Const(-7))
	y := b.Select(x, param(TypeI32), x)
	next := b.NewBlock(TypeI32)
	other := b.NewBlock()
	b.BrIf(y, next, []ID{x}, other, nil)
	b.SetBlock(other)
	b.BrTable(x, []Edge{{next.ID, []ID{x}}, {other.ID, nil}}, Edge{next.ID, []ID{y}})
	b.SetBlock(next)
	b.Trap(trap.StackExhausted)

	require.Equal(t, []BlockID{entry.ID, other.ID, other.ID}, next.Preds)
	require.NoError(t, Verify(f))
	text := f.String()
	g, err := Parse(text)
	require.NoError(t, err)
	require.NoError(t, Verify(g))
	require.Equal(t, text, g.String())
}

func TestBuilderMisuse(t *testing.T) {
	f := NewFunc("f", Signature{})
	b := NewBuilder(f)
	b.SetBlock(b.NewBlock())
	b.Return()
	require.Panics(t, func() { b.I32Const(1) })
	require.Panics(t, func() { b.Return() })
	require.Panics(t, func() { b.Op1(OpGlobalGet, 0) })
}

func TestVerifyCatchesStalePreds(t *testing.T) {
	f, err := Parse("func f() {\nb0:\n  jump b1\nb1:\n  return\n}\n")
	require.NoError(t, err)
	f.Block(1).Preds = nil
	require.ErrorContains(t, Verify(f), "b1: predecessors []")
}

func BenchmarkBuild(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		f := NewFunc("f", Signature{Params: []Type{TypeI32}, Results: []Type{TypeI32}})
		bl := NewBuilder(f)
		blk := bl.NewBlock(TypeI32)
		bl.SetBlock(blk)
		x := blk.Params[0]
		for range 1000 {
			x = bl.Op2(OpI32Add, x, bl.I32Const(1))
		}
		bl.Return(x)
	}
}
