package backend

import "github.com/wasiaot/wasiaot/runtime/artifact"

// CPULevel is a named set of CPU features that a target's code may be
// compiled to use (compiler.Options.CPU). A backend selects instructions
// from the set it is given and reports the features it actually used
// (Compiler.Features); the artifact records those, and the loader refuses
// it on a machine that lacks any of them.
type CPULevel struct {
	Name     string
	Features artifact.Features
	// Doc says in a few words what the level is for (command-line help).
	Doc string
}

// Floor is the features every level of levels includes: what the
// backend's code needs whatever level it is compiled for.
func Floor(levels []CPULevel) artifact.Features {
	if len(levels) == 0 {
		return 0
	}
	f := levels[0].Features
	for _, l := range levels[1:] {
		f &= l.Features
	}
	return f
}
