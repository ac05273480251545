package lower

// Exported for the external tests (corpus, benchmarks).
var CheckPositions = checkPositions

// Steps is the work the SSA construction for locals did in the last
// function lowered.
func (l *Lowerer) Steps() int { return l.fl.steps }
