// Package opt holds the optimisation passes over compiler/ssa functions.
//
// A pass is a plain function that rewrites a function in place and reports
// whether it changed anything. Every pass leaves the function valid for
// ssa.Verify, with predecessor lists current. Pipeline runs the passes in
// a fixed order for an optimisation level.
package opt

import "github.com/wasiaot/wasiaot/compiler/ssa"

// Pass is one named optimisation pass.
type Pass struct {
	Name string
	Run  func(f *ssa.Func) bool
}

// Passes lists every pass, by the names used in dumps and file tests.
var Passes = []Pass{
	{"copyprop", CopyProp},
	{"constfold", ConstFold},
	{"dce", DCE},
	{"simplify", Simplify},
	{"gvn", GVN},
	{"licm", LICM},
	{"cfg", CFG},
	{"checkelim", CheckElim},
	{"loadelim", LoadElim},
}

// Lookup returns the pass with the given name.
func Lookup(name string) (Pass, bool) {
	for _, p := range Passes {
		if p.Name == name {
			return p, true
		}
	}
	return Pass{}, false
}

// Hook is called after each pass that Pipeline runs, with the pass name
// and the function as the pass left it; it serves --dump-ssa and checks in
// tests. It must not modify f.
type Hook func(pass string, f *ssa.Func)

// maxRounds bounds how often Pipeline repeats its passes: each round can
// expose more work for the next (a folded branch makes a block parameter
// a copy, which makes an operation constant), but a few rounds catch
// nearly everything.
const maxRounds = 4

// The pass orders of one round at each level. Copy propagation runs once
// before the rounds and then after the passes that leave copies behind
// for the passes that do not look through them (simplify and gvn do), so
// that the result has none; dce and cfg end a round to leave the next one
// less to walk.
var (
	level1 = []string{"constfold", "simplify", "copyprop", "dce", "cfg", "copyprop"}
	// Level 2 adds value numbering after simplification (which exposes
	// equal values), load elimination on the deduplicated addresses,
	// loop-invariant code motion on what is left, and check elimination
	// once conditions are in their simplest form.
	level2 = []string{"constfold", "simplify", "gvn", "loadelim", "copyprop",
		"licm", "checkelim", "dce", "cfg", "copyprop"}
)

var passOrders = [...][]Pass{lookupAll(level1), lookupAll(level2)}

func lookupAll(names []string) []Pass {
	ps := make([]Pass, len(names))
	for i, n := range names {
		p, ok := Lookup(n)
		if !ok {
			panic("opt: unknown pass " + n)
		}
		ps[i] = p
	}
	return ps
}

// Pipeline optimises f at the given level: 0 leaves f alone; 1 runs the
// cheap passes (copy propagation, constant folding, simplification, dead
// code, control-flow cleanup); 2 and above add value numbering, load
// elimination, loop-invariant code motion and check elimination. The
// passes repeat, in order, while a round still changes something, at most
// maxRounds times. hook may be nil.
func Pipeline(f *ssa.Func, level int, hook Hook) {
	if level <= 0 {
		return
	}
	order := passOrders[min(level, len(passOrders))-1]
	// A pass that changed nothing is not run again until another pass
	// changes f: the passes are deterministic, so it would change nothing
	// again. That skips most of the last round, which only confirms that
	// nothing changes, and the result is the same as running every pass.
	// clean[j] is the number of changes so far when order[j]'s pass last
	// changed nothing, or -1.
	var cleanBuf [16]int
	clean := cleanBuf[:0]
	for range order {
		clean = append(clean, -1)
	}
	changes := 0
	noChange := func(name string) {
		for j := range order {
			if order[j].Name == name {
				clean[j] = changes
			}
		}
	}
	if !CopyProp(f) {
		noChange("copyprop")
	} else {
		changes++
	}
	if hook != nil {
		hook("copyprop", f)
	}
	for range maxRounds {
		changed := false
		for j, p := range order {
			if clean[j] != changes {
				if p.Run(f) {
					changed = true
					changes++
				} else {
					noChange(p.Name)
				}
			}
			if hook != nil {
				hook(p.Name, f)
			}
		}
		if !changed {
			return
		}
	}
}
