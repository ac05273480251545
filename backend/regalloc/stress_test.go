package regalloc

import (
	"flag"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

var (
	stressN    = flag.Int("stress", 3000, "number of random functions for TestStress")
	stressSeed = flag.Int("stress.seed", 0, "first seed for TestStress")
)

// randFunc builds a random function: a random control flow graph (with
// critical edges split), a pool of long-lived values defined in the entry
// block and redefined anywhere, block-local temporaries, and random
// constraints: fixed registers, reuse, stack-allowed uses and call-like
// clobbers.
func randFunc(rng *rand.Rand, info *RegInfo) *Func {
	f := &Func{}
	nb := 1 + rng.IntN(10)
	type blk struct {
		succs []int32
		depth int32
	}
	bs := make([]blk, nb)
	for b := range bs {
		bs[b].depth = int32(rng.IntN(3))
		switch k := rng.IntN(10); {
		case k < 2 || b == nb-1 && k < 5:
			// return
		case k < 6:
			bs[b].succs = []int32{int32(rng.IntN(nb))}
		default:
			s1, s2 := int32(rng.IntN(nb)), int32(rng.IntN(nb))
			if s1 == s2 {
				bs[b].succs = []int32{s1}
			} else {
				bs[b].succs = []int32{s1, s2}
			}
		}
	}
	// Split critical edges with new jump-only blocks at the end.
	npred := make([]int, nb)
	for _, b := range bs {
		for _, s := range b.succs {
			npred[s]++
		}
	}
	for b := range nb {
		if len(bs[b].succs) < 2 {
			continue
		}
		for k, s := range bs[b].succs {
			if npred[s] > 1 {
				bs = append(bs, blk{succs: []int32{s}, depth: bs[b].depth})
				bs[b].succs[k] = int32(len(bs) - 1)
			}
		}
	}
	nInt, nFloat := len(info.Order[ClassInt]), len(info.Order[ClassFloat])
	var globals []VReg
	for range 2 + rng.IntN(12) {
		c := ClassInt
		if rng.IntN(4) == 0 {
			c = ClassFloat
		}
		globals = append(globals, f.NewVReg(c))
	}
	// Constants: defined once, in the entry block, by rematerializable
	// instructions, and read anywhere.
	var consts []VReg
	for range rng.IntN(4) {
		consts = append(consts, f.NewVReg(ClassInt))
	}
	pick := func(pool []VReg) VReg { return pool[rng.IntN(len(pool))] }
	fixedReg := func(c Class, used *RegSet) PReg {
		order := info.Order[c]
		for range 4 {
			r := order[rng.IntN(len(order))]
			if !used.Has(r) {
				*used = used.With(r)
				return r
			}
		}
		return NoPReg
	}
	var callerSaved RegSet
	for _, r := range info.Order[ClassInt] {
		if !info.CalleeSaved.Has(r) {
			callerSaved = callerSaved.With(r)
		}
	}
	for _, r := range info.Order[ClassFloat] {
		callerSaved = callerSaved.With(r)
	}
	for b := range bs {
		f.StartBlock(bs[b].depth)
		pool := append(append([]VReg(nil), globals...), consts...)
		if b == 0 {
			for _, g := range globals {
				f.AddInstr(0, false, D(g))
			}
			for _, c := range consts {
				f.Instrs[f.AddInstr(0, false, D(c))].Remat = true
			}
		}
		for range rng.IntN(12) {
			var ops []Operand
			var usedFixedIn, usedFixedOut RegSet
			var clobbers RegSet
			reused := false
			call := rng.IntN(12) == 0
			if call {
				clobbers = callerSaved
			}
			nu := rng.IntN(4)
			if call {
				nu = rng.IntN(min(4, nInt-2))
			}
			for range nu {
				op := U(pick(pool))
				switch k := rng.IntN(8); {
				case call || k == 0:
					op.Fixed = fixedReg(f.VRegClass[op.V], &usedFixedIn)
				case k == 1:
					op.MayStack = true
				}
				if call && op.Fixed == NoPReg {
					continue
				}
				ops = append(ops, op)
			}
			for range rng.IntN(3) {
				var v VReg
				if rng.IntN(2) == 0 {
					c := ClassInt
					if rng.IntN(4) == 0 {
						c = ClassFloat
					}
					v = f.NewVReg(c)
				} else {
					v = pick(globals)
				}
				dup := false
				for _, o := range ops {
					dup = dup || o.V == v
				}
				if dup {
					continue
				}
				op := D(v)
				switch k := rng.IntN(6); {
				case k == 0 || call:
					op.Fixed = fixedReg(f.VRegClass[v], &usedFixedOut)
					if call && op.Fixed == NoPReg {
						continue
					}
				case k == 1 && !call && !reused:
					reused = true
					// reuse the first unconstrained use of the same class
					for i, o := range ops {
						if o.Kind == Use && o.Fixed == NoPReg && f.VRegClass[o.V] == f.VRegClass[v] && !o.MayStack {
							op.Reuse = int8(i)
							break
						}
					}
				case k == 2 && int(v) < len(globals):
					op.Kind = UseDef
				}
				ops = append(ops, op)
				pool = append(pool, v)
			}
			// A reused destination may not also be an input.
			for i := range ops {
				if ops[i].Reuse < 0 {
					continue
				}
				for j := range ops {
					if j != i && j != int(ops[i].Reuse) && ops[j].V == ops[i].V {
						ops[i].Reuse = -1
					}
				}
			}
			move := len(ops) == 2 && ops[0].Kind == Use && ops[1].Kind == Def && ops[0].Fixed == NoPReg && ops[1].Fixed == NoPReg &&
				f.VRegClass[ops[0].V] == f.VRegClass[ops[1].V]
			f.AddInstr(clobbers, move, ops...)
		}
		var term []Operand
		if len(bs[b].succs) != 1 {
			for range rng.IntN(3) {
				term = append(term, U(pick(pool)))
			}
		}
		f.AddInstr(0, false, term...)
		f.Blocks[b].Succs = bs[b].succs
	}
	_ = nFloat
	return f
}

// TestStress allocates many random functions under tight register files
// and verifies every result with the checker.
func TestStress(t *testing.T) {
	for _, alg := range []Algorithm{Linear, Greedy} {
		t.Run(alg.String(), func(t *testing.T) { stress(t, alg) })
	}
}

func stress(t *testing.T, alg Algorithm) {
	remats := 0
	defer func() {
		// The constants are reloaded somewhere: the greedy allocator
		// must have executed their definitions again.
		if alg == Greedy && *stressN >= 100 && !t.Failed() {
			require.Positive(t, remats)
		}
	}()
	for seed := *stressSeed; seed < *stressSeed+*stressN; seed++ {
		rng := rand.New(rand.NewPCG(uint64(seed), 7))
		info := testRegInfo(6+rng.IntN(4), 5+rng.IntN(3))
		f := randFunc(rng, info)
		f.CoalesceCopies = seed%2 == 1
		tf := &testFunc{f: *f, info: info}
		for v := range f.VRegClass {
			tf.names = append(tf.names, "v"+itoa(v))
		}
		a := New(info)
		a.Algorithm = alg
		res, err := a.Allocate(f)
		if err != nil {
			empty := &Result{Locs: make([]Loc, len(f.Operands))}
			for i := range empty.Locs {
				empty.Locs[i] = NoLoc
			}
			require.NoError(t, err, "seed %d\n%s", seed, tf.format(empty))
		}
		require.NoError(t, Check(f, info, res), "seed %d\n%s", seed, tf.format(res))
		remats += res.Stats.Remats
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
