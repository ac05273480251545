package opt

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/compiler/ssa"
)

// TestSimplifyAgreesWithEval checks the integer rules against the
// evaluator of constant folding: op(x, c) and op(c, x) are simplified with
// x unknown, then x is made a constant and the result folded; it must be
// what eval computes directly, for interesting x and c of both widths.
func TestSimplifyAgreesWithEval(t *testing.T) {
	consts := []int64{0, 1, -1, 2, -2, 3, 4, -4, 7, 8, 16, -16, 1 << 20, 1 << 30, -1 << 30,
		1<<31 - 1, -1 << 31, 1 << 31, 1 << 40, 1 << 62, -1 << 62, 1<<63 - 1, -1 << 63, 0x1234_5678_9abc}
	checked := 0
	for _, o := range []*intOps{ops32, ops64} {
		for op := ssa.Op(0); int(op) < ssa.NumOps; op++ {
			if widthOps(op) != o || op == o.eqz {
				continue
			}
			for _, c := range consts {
				if o.bits == 32 {
					c = int64(int32(c))
				}
				for _, constFirst := range []bool{false, true} {
					text := simplifyCase(o, op, c, constFirst)
					f, err := ssa.Parse(text)
					require.NoError(t, err, text)
					Simplify(f)
					CopyProp(f)
					DCE(f)
					require.NoError(t, ssa.Verify(f))
					simplified := f.String()
					for _, x := range consts {
						if o.bits == 32 {
							x = int64(int32(x))
						}
						a, b := uint64(x), uint64(c)
						if constFirst {
							a, b = b, a
						}
						if o.bits == 32 {
							a, b = uint64(uint32(a)), uint64(uint32(b))
						}
						want, ok := eval(op, a, b)
						if !ok {
							continue // traps: the rules leave such ops alone
						}
						got := foldWith(t, simplified, o, x)
						require.Equal(t, want, got, "%s with x=%d:\n%s", strings.TrimSpace(text), x, simplified)
						checked++
					}
				}
			}
		}
	}
	t.Logf("%d cases", checked)
}

func simplifyCase(o *intOps, op ssa.Op, c int64, constFirst bool) string {
	t := o.typ.String()
	args := "v0, v1"
	if constFirst {
		args = "v1, v0"
	}
	res := op.Info().Result
	return fmt.Sprintf("func f(%s) -> %s {\nb0(v0:%s):\n  v1:%s = %s.const %d\n  v2:%s = %s %s\n  return v2\n}\n",
		t, res, t, t, t, c, res, op, args)
}

// foldWith replaces the parameter of a simplified single-block function by
// the constant x and folds it to its result.
func foldWith(t *testing.T, text string, o *intOps, x int64) uint64 {
	ty := o.typ.String()
	head := fmt.Sprintf("b0(v0:%s):\n", ty)
	require.Contains(t, text, head)
	text = strings.Replace(text, fmt.Sprintf("func f(%s)", ty), "func f()", 1)
	text = strings.Replace(text, head, fmt.Sprintf("b0:\n  v0:%s = %s.const %d\n", ty, ty, x), 1)
	f, err := ssa.Parse(text)
	require.NoError(t, err, text)
	for range 8 {
		CopyProp(f)
		if !ConstFold(f) {
			break
		}
	}
	b := f.Entry()
	require.Equal(t, ssa.OpReturn, b.Term)
	r, ok := constBits(f, b.Controls[0])
	require.True(t, ok, "did not fold:\n%s", f)
	return r
}
