package main

import (
	"os"
	"runtime/debug"
)

// compileMemoryLimit is the soft limit on the Go runtime's memory while a
// module compiles. The working set of compiling one giant function
// (CRuby's interpreter loop: about 650 MB) would otherwise let the heap
// grow to twice that before the next collection; with the limit the
// collector runs earlier there, and a compile that needs more than the
// limit still gets it, with more frequent collections.
const compileMemoryLimit = 1 << 30

// limitCompileMemory sets compileMemoryLimit, unless GOMEMLIMIT chose a
// limit, and returns what restores the limit before it (the guest a run
// starts after compiling is not held to it).
func limitCompileMemory() (restore func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	prev := debug.SetMemoryLimit(compileMemoryLimit)
	return func() { debug.SetMemoryLimit(prev) }
}
