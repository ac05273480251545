package regalloc

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFiles allocates every function in testdata/*.ra, verifies the result
// with the checker and evaluates the file's "expect" lines.
func TestFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/*.ra")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		for _, alg := range []Algorithm{Linear, Greedy} {
			t.Run(strings.TrimSuffix(filepath.Base(file), ".ra")+"/"+alg.String(), func(t *testing.T) {
				src, err := os.ReadFile(file)
				require.NoError(t, err)
				tf, err := parseTestFunc(string(src))
				require.NoError(t, err)
				a := New(tf.info)
				a.Algorithm = alg
				res, err := a.Allocate(&tf.f)
				require.NoError(t, err)
				out := tf.format(res)
				if testing.Verbose() {
					t.Log("\n" + out)
				}
				require.NoError(t, Check(&tf.f, tf.info, res), out)
				for _, e := range tf.expects {
					if only, rest, ok := strings.Cut(e, ":"); ok {
						if only != alg.String() {
							continue
						}
						e = rest
					}
					require.NoError(t, tf.checkExpect(e, res), out)
				}
			})
		}
	}
}

// TestErrors checks that malformed input is rejected with a message.
func TestErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"b0:\n = ret v0\n", "used before it is defined"},
		{"b0:\n v0 = def\n jmp b1\nb1:\n = ret v0\n", ""},
		{"b0:\n v0 = def\n = br v0 b1 b2\nb1:\n jmp b2\nb2:\n = ret v0\n", "critical edge"},
		{"b0:\n v0 = jmp b0\n", "terminator"},
		{"b0:\n v0 = def\n = jmp v0 b1\nb1:\n = ret\n", "single-successor"},
		{"b0:\n v0 = def\n v0 v0 = two\n = ret\n", "defined twice"},
		{"b0:\n v0 = def\n v1 = def\n v1^0 = add v0 v1\n = ret\n", "also an input"},
		{"b0:\n v0 = def\n v1^0 = add v0@r1\n = ret\n", "reuse source"},
		{"b0:\n v0 = def\n = use v0@r9\n = ret\n", "non-allocatable"},
	} {
		tf, err := parseTestFunc(tc.src)
		require.NoError(t, err)
		_, err = New(tf.info).Allocate(&tf.f)
		if tc.want == "" {
			require.NoError(t, err, tc.src)
			continue
		}
		require.ErrorContains(t, err, tc.want, tc.src)
	}
}

// TestCheckerCatches makes sure the checker is not vacuous: corrupting a
// correct allocation must be reported.
func TestCheckerCatches(t *testing.T) {
	tf, err := parseTestFunc(`
b0:
  v0 = def
  v1 = def
  v2 = def
  v3 = add v0 v1
  v4 = add v3 v2
  = ret v4@r0 v0 v1
`)
	require.NoError(t, err)
	res, err := New(tf.info).Allocate(&tf.f)
	require.NoError(t, err)
	require.NoError(t, Check(&tf.f, tf.info, res))
	// Point the use of v1 at v0's register.
	bad := *res
	bad.Locs = append([]Loc(nil), res.Locs...)
	use1 := tf.f.Instrs[3].First + 2
	bad.Locs[use1] = bad.Locs[tf.f.Instrs[3].First+1]
	require.ErrorContains(t, Check(&tf.f, tf.info, &bad), "reads v1")
	// Let a later definition overwrite a live value.
	bad.Locs = append([]Loc(nil), res.Locs...)
	bad.Locs[tf.f.Instrs[4].First] = res.Locs[tf.f.Instrs[0].First]
	require.Error(t, Check(&tf.f, tf.info, &bad))
}

// TestParallelMoveCycle resolves a three-register rotation and a swap:
// linear scan breaks the cycles through a stack slot, the greedy
// allocator through a register its maps leave free.
func TestParallelMoveCycle(t *testing.T) {
	for _, alg := range []Algorithm{Linear, Greedy} {
		info := testRegInfo(10, 4) // r8 and r9 callee-saved
		a := New(info)
		a.Algorithm = alg
		a.f = &Func{VRegClass: []Class{ClassInt, ClassInt, ClassInt, ClassInt, ClassInt}}
		a.res = &Result{}
		a.scratch = -1
		a.instrPos = []int32{4}
		a.maps.reset()
		// r6 holds a value around the gap; r7 is free.
		a.maps.insert(6, 0, 8, nil, &a.steps)
		a.sequentialize([]pmove{
			{from: RegLoc(0), to: RegLoc(1), v: 0},
			{from: RegLoc(1), to: RegLoc(2), v: 1},
			{from: RegLoc(2), to: RegLoc(0), v: 2},
			{from: RegLoc(3), to: RegLoc(4), v: 3},
			{from: RegLoc(4), to: RegLoc(3), v: 4},
			{from: RegLoc(0), to: RegLoc(5), v: 0},
		})
		// Simulate.
		state := map[Loc]VReg{RegLoc(0): 0, RegLoc(1): 1, RegLoc(2): 2, RegLoc(3): 3, RegLoc(4): 4}
		for _, e := range a.res.Edits {
			v, ok := state[e.From]
			require.True(t, ok)
			require.Equal(t, e.V, v)
			require.NotEqual(t, RegLoc(6), e.To, "%s: the scratch register holds a value", alg)
			state[e.To] = v
		}
		require.Equal(t, VReg(0), state[RegLoc(1)])
		require.Equal(t, VReg(1), state[RegLoc(2)])
		require.Equal(t, VReg(2), state[RegLoc(0)])
		require.Equal(t, VReg(3), state[RegLoc(4)])
		require.Equal(t, VReg(4), state[RegLoc(3)])
		require.Equal(t, VReg(0), state[RegLoc(5)])
		require.LessOrEqual(t, len(a.res.Edits), 9)
		if alg == Greedy {
			require.Empty(t, a.res.SlotOffset, "greedy: a cycle broken through memory")
			require.Contains(t, state, RegLoc(7))
		} else {
			require.Len(t, a.res.SlotOffset, 1)
		}
	}
}

// TestSplitPos compares splitPos, which follows links to shallower
// blocks, with a walk over every block boundary between the two positions.
func TestSplitPos(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 200 {
		f := &Func{}
		for range 1 + rng.IntN(30) {
			f.StartBlock(int32(rng.IntN(4)))
			f.AddInstr(0, false)
		}
		a := New(testRegInfo(4, 2))
		a.f = f
		a.number()
		last := a.blockEnd[len(f.Blocks)-1]
		for range 50 {
			lo := rng.Int32N(last)
			hi := lo + 1 + rng.Int32N(last-lo)
			bLo, bHi := a.blockOf(lo), a.blockOf(hi)
			want, depth := hi, f.Blocks[bHi].LoopDepth
			for b := bHi; b > bLo; b-- {
				if d := f.Blocks[b-1].LoopDepth; d < depth {
					want, depth = a.blockStart[b], d
				}
			}
			require.Equal(t, want, a.splitPos(lo, hi), "lo %d hi %d", lo, hi)
		}
	}
}

// TestCheckerCatchesRemat makes sure the checker verifies that a
// rematerialization executes again the one definition of the value.
func TestCheckerCatchesRemat(t *testing.T) {
	src, err := os.ReadFile("testdata/remat.ra")
	require.NoError(t, err)
	tf, err := parseTestFunc(string(src))
	require.NoError(t, err)
	a := New(tf.info)
	a.Algorithm = Greedy
	res, err := a.Allocate(&tf.f)
	require.NoError(t, err)
	require.NoError(t, Check(&tf.f, tf.info, res))
	k := slices.IndexFunc(res.Edits, func(e Edit) bool { return e.From == RematLoc })
	require.GreaterOrEqual(t, k, 0, "no rematerialization")
	bad := *res
	bad.Edits = slices.Clone(res.Edits)
	bad.Edits[k].Def = 1 // v1 = def: neither rematerializable nor v0's
	require.ErrorContains(t, Check(&tf.f, tf.info, &bad), "rematerializes")
	// A rematerialization of the right instruction under another name.
	bad.Edits[k].Def, bad.Edits[k].V = res.Edits[k].Def, 1
	require.Error(t, Check(&tf.f, tf.info, &bad))
}

// TestPastEvictionBudget allocates a function whose pressure uses up the
// greedy allocator's eviction budget: a bundle that cannot be split must
// still evict to get its register, not fail with "out of registers".
func TestPastEvictionBudget(t *testing.T) {
	for _, alg := range []Algorithm{Linear, Greedy} {
		f, info := pressureFunc()
		a := New(info)
		a.Algorithm = alg
		res, err := a.Allocate(f)
		if err != nil {
			t.Fatalf("%v: %v", alg, err)
		}
		if err := Check(f, info, res); err != nil {
			t.Fatalf("%v: %v", alg, err)
		}
	}
}
