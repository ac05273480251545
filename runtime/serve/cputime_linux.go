package serve

import "golang.org/x/sys/unix"

// threadCPUTime is the CPU time the calling thread has used, in
// nanoseconds, and whether the system tells. With the goroutine locked to
// its thread, the difference of two readings is the CPU the goroutine
// itself used in between: while it is descheduled or blocked, its thread
// runs nothing else, and waiting for a CPU is not counted.
func threadCPUTime() (int64, bool) {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) != nil {
		return 0, false
	}
	return ts.Nano(), true
}
