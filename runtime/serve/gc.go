package serve

import (
	"os"
	"runtime/debug"
)

// GCPercent is the garbage collector's target TuneGC sets: the heap may
// grow to five times what is live before a collection.
const GCPercent = 400

// TuneGC sets the Go garbage collector's target for a process that serves,
// unless the GOGC environment variable chose one. A serving process keeps
// a few MiB live (artifacts and linear memories are off the Go heap) and
// allocates a few KiB per request, so with Go's default target it collects
// every few hundred requests, each time stopping the world twice, which on
// a machine with more runnable threads than cores costs requests their tail
// latency. At GCPercent it collects a fifth as often, for a few more MiB
// of heap. It returns the target now in effect.
func TuneGC() int {
	if _, set := os.LookupEnv("GOGC"); set {
		old := debug.SetGCPercent(100)
		debug.SetGCPercent(old)
		return old
	}
	debug.SetGCPercent(GCPercent)
	return GCPercent
}
