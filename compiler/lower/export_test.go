package lower

// Exported for the external tests (corpus, benchmarks).
var CheckPositions = checkPositions
