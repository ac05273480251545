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

// Pipeline optimises f at the given level: 0 leaves f alone; 1 and above
// run copy propagation, constant folding and dead-code elimination,
// repeating while they still change something. hook may be nil.
func Pipeline(f *ssa.Func, level int, hook Hook) {
	if level <= 0 {
		return
	}
	order := []Pass{Passes[0], Passes[1], Passes[0], Passes[2]}
	for range maxRounds {
		changed := false
		for _, p := range order {
			if p.Run(f) {
				changed = true
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
