//go:build amd64 && linux

package amd64

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestExecRandom generates random integer programs with many live values,
// a loop and constrained instructions (variable shifts, division), runs
// them natively after allocation and emission, and compares the result with
// a direct evaluation of the same program.
func TestExecRandom(t *testing.T) {
	spills := 0
	for seed := range 300 {
		rng := rand.New(rand.NewPCG(uint64(seed), 11))
		src, eval := randProgram(rng)
		c, st := compileStats(t, src)
		spills += st.Spills
		f := intFunc(mapCode(t, c))
		for _, n := range []int64{0, 1, 3, -5, 1 << 33} {
			require.Equal(t, eval(n), f(n), "seed %d n=%d\n%s", seed, n, src)
		}
	}
	require.Greater(t, spills, 300, "the programs should exercise spilling")
}

// randProgram returns a program computing a value from its argument, and
// a Go function computing the same value. The loop body runs 3 times.
func randProgram(rng *rand.Rand) (string, func(int64) int64) {
	type step struct {
		op        string
		dst, a, b int
		imm       int64
	}
	nvals := 1 + 12 + rng.IntN(10)
	var pre, body []step
	gen := func(into *[]step, count, live int) int {
		for range count {
			a, b := rng.IntN(live), rng.IntN(live)
			ops := []string{"add", "sub", "xor", "and", "or", "imul", "shlc", "sarv", "imul3", "neg", "div", "rol"}
			s := step{op: ops[rng.IntN(len(ops))], dst: live, a: a, b: b, imm: int64(rng.IntN(200) - 100)}
			*into = append(*into, s)
			live++
		}
		return live
	}
	live := gen(&pre, nvals-1, 1)
	// The loop updates the first few values in place from everything live.
	nbody := 1 + rng.IntN(8)
	bodyStart := live
	live = gen(&body, nbody, live)
	var sb strings.Builder
	v := func(i int) string { return fmt.Sprintf("v%d", i) }
	emit := func(s step) {
		d, a, b := v(s.dst), v(s.a), v(s.b)
		switch s.op {
		case "shlc":
			fmt.Fprintf(&sb, "  shl.q %s, %s, %d\n", d, a, s.imm&63)
		case "sarv":
			fmt.Fprintf(&sb, "  sar.q %s, %s, %s\n", d, a, b)
		case "rol":
			fmt.Fprintf(&sb, "  rol.l %s, %s, %s\n", d, a, b)
		case "imul3":
			fmt.Fprintf(&sb, "  imul3.q %s, %s, %d\n", d, a, s.imm)
		case "neg":
			fmt.Fprintf(&sb, "  neg.q %s, %s\n", d, a)
		case "div":
			// unsigned a / (b | 1)
			t, z, r := v(1000+s.dst), v(2000+s.dst), v(3000+s.dst)
			fmt.Fprintf(&sb, "  or.q %s, %s, 1\n  mov.l %s, 0\n  div.q %s, %s, %s, %s, %s\n", t, b, z, d, r, a, z, t)
		default:
			fmt.Fprintf(&sb, "  %s.q %s, %s, %s\n", s.op, d, a, b)
		}
	}
	sb.WriteString("b0:\n  params v0\n")
	for _, s := range pre {
		emit(s)
	}
	sb.WriteString("  mov.q v6000, 3\n  jmp b1\nb1 depth=1:\n")
	for _, s := range body {
		emit(s)
	}
	// Fold the body's results back into loop-carried values.
	for i := range nbody {
		fmt.Fprintf(&sb, "  add.q v%d, v%d, v%d\n", i%bodyStart, i%bodyStart, bodyStart+i)
	}
	sb.WriteString("  sub.q v6000, v6000, 1\n  cmp.q v6000, 0\n  jcc ne b2, b3\nb2 depth=1:\n  jmp b1\nb3:\n  mov.q v6001, 0\n")
	for i := range live {
		fmt.Fprintf(&sb, "  add.q v6001, v6001, v%d\n", i)
	}
	sb.WriteString("  ret v6001\n")
	src := sb.String()
	eval := func(n int64) int64 {
		vals := make([]int64, live)
		vals[0] = n
		run := func(s step) {
			a, b := vals[s.a], vals[s.b]
			var r int64
			switch s.op {
			case "add":
				r = a + b
			case "sub":
				r = a - b
			case "xor":
				r = a ^ b
			case "and":
				r = a & b
			case "or":
				r = a | b
			case "imul":
				r = a * b
			case "shlc":
				r = a << (s.imm & 63)
			case "sarv":
				r = a >> (uint64(b) & 63)
			case "rol":
				r = int64(bits.RotateLeft32(uint32(a), int(b&31)))
			case "imul3":
				r = a * s.imm
			case "neg":
				r = -a
			case "div":
				r = int64(uint64(a) / (uint64(b) | 1))
			}
			vals[s.dst] = r
		}
		for _, s := range pre {
			run(s)
		}
		for range 3 {
			for _, s := range body {
				run(s)
			}
			for i := range nbody {
				vals[i%bodyStart] += vals[bodyStart+i]
			}
		}
		var acc int64
		for _, x := range vals {
			acc += x
		}
		return acc
	}
	return src, eval
}
