package amd64

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/compiler/lower"
	"github.com/wasiaot/wasiaot/compiler/opt"
)

// emitBothWays emits f with the jumps sized here and by golang-asm and
// requires the same code, tables and relocations.
func emitBothWays(t *testing.T, f *Func, what string) {
	t.Helper()
	defer func() { layoutJumpsHere = true }()
	layoutJumpsHere = false
	want, err := Emit(f)
	require.NoError(t, err, what)
	layoutJumpsHere = true
	got, err := Emit(f)
	require.NoError(t, err, what)
	require.Equal(t, want, got, what)
}

// The jumps sized by layoutJumps give the bytes golang-asm's own sizing
// gives, on every function of the C test programs and a Go one (and of
// the modules in WASIAOT_JUMPS_WASM, a path list), which have jumps of
// every length, and chains of forward jumps that turn long one pass
// after another.
func TestJumpLayoutIdentical(t *testing.T) {
	files, err := filepath.Glob("../../wasi/testdata/c/*.wasm")
	require.NoError(t, err)
	files = append(files, "../../wasi/testdata/go/copy.wasm")
	if env := os.Getenv("WASIAOT_JUMPS_WASM"); env != "" {
		files = filepath.SplitList(env)
	}
	if testing.Short() {
		files = files[:2]
	}
	for _, file := range files {
		m, mi := corpusModule(t, file)
		low := lower.NewLowerer(m, lower.Options{Workers: 1})
		sel := NewSelector(mi)
		a := NewAllocator()
		for idx := uint32(m.NumImportedFuncs()); idx < uint32(m.NumFuncs()); idx++ {
			f, err := low.Lower(idx)
			require.NoError(t, err)
			opt.Pipeline(f, 2, nil)
			mf, err := sel.Select(f)
			require.NoError(t, err)
			require.NoError(t, a.Allocate(mf))
			emitBothWays(t, mf, fmt.Sprintf("%s: function %d", file, idx))
		}
	}
}

// Random functions of blocks of random sizes, each ending in a jump or
// a conditional jump to random blocks before or after it, size their
// jumps as golang-asm does: jumps of every distance around the short
// form's limits, forward and backward, in chains.
func TestJumpLayoutRandom(t *testing.T) {
	compared, big := 0, 0
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 7))
		// Block 3i is the i-th of n; 3i+1 and 3i+2 are the landing
		// blocks of its conditional jump (no critical edges), lone jumps
		// that emission threads.
		n := 2 + rng.IntN(60)
		var sb strings.Builder
		sb.WriteString("b0:\n  params v0\n  mov.q v1, 1\n  jmp b3\n")
		sb.WriteString("b1:\n  jmp b3\nb2:\n  jmp b3\n")
		for i := 1; i < n; i++ {
			fmt.Fprintf(&sb, "b%d:\n", 3*i)
			for range rng.IntN([]int{3, 12, 40}[rng.IntN(3)]) {
				sb.WriteString("  add.q v1, v1, v0\n")
			}
			target := func() int { return 3 * (1 + rng.IntN(n-1)) }
			switch {
			case i == n-1:
				sb.WriteString("  ret v1\n")
			case rng.IntN(3) == 0:
				fmt.Fprintf(&sb, "  jmp b%d\n", target())
			default:
				sb.WriteString("  cmp.q v1, v0\n")
				fmt.Fprintf(&sb, "  jcc %s b%d, b%d\n", condNames[rng.IntN(len(condNames))], 3*i+1, 3*i+2)
			}
			fmt.Fprintf(&sb, "b%d:\n  jmp b%d\nb%d:\n  jmp b%d\n", 3*i+1, target(), 3*i+2, target())
		}
		src := sb.String()
		f, err := Parse(src)
		require.NoError(t, err, src)
		if err := NewAllocator().Allocate(f); err != nil {
			// Not every random shape is a valid function: a block no
			// path reaches.
			continue
		}
		emitBothWays(t, f, fmt.Sprintf("seed %d:\n%s", seed, src))
		compared++
		if c, err := Emit(f); err == nil && len(c.Bytes) > 300 {
			big++
		}
	}
	t.Logf("%d functions compared, %d of over 300 bytes", compared, big)
	require.Greater(t, compared, 200)
	require.Greater(t, big, 100)
}
