package amd64

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// BenchmarkCompile allocates and emits a 3000-instruction function with a
// loop and high register pressure; ns/op divided by 3000 is the cost per
// instruction.
func BenchmarkCompile(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	var sb strings.Builder
	sb.WriteString("b0:\n  params v0\n  mov.q v1, 0\n  jmp b1\nb1 depth=1:\n")
	live := []int{0, 1}
	for i := 2; i < 3000; i++ {
		a, c := live[rng.IntN(len(live))], live[rng.IntN(len(live))]
		fmt.Fprintf(&sb, "  add.q v%d, v%d, v%d\n", i, a, c)
		live = append(live, i)
		if len(live) > 40 {
			live = append(live[:2], live[3:]...)
		}
	}
	sb.WriteString("  cmp.q v2999, v0\n  jcc ne b2, b3\nb2 depth=1:\n  jmp b1\nb3:\n  ret v2999\n")
	src := sb.String()
	a := NewAllocator()
	b.ReportAllocs()
	for b.Loop() {
		f, err := Parse(src)
		if err != nil {
			b.Fatal(err)
		}
		if err := a.Allocate(f); err != nil {
			b.Fatal(err)
		}
		if _, err := Emit(f); err != nil {
			b.Fatal(err)
		}
	}
}
