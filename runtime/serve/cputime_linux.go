package serve

import (
	goruntime "runtime"
	"sync"

	"golang.org/x/sys/unix"
)

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

// clockOverhead is what two back-to-back readings of the thread's clock
// differ by: the part of the system calls themselves that the difference
// counts, taken off each measurement. The least of a few tries: a try the
// scheduler or an interrupt got into is longer, never shorter.
var clockOverhead = sync.OnceValue(func() int64 {
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	least := int64(-1)
	for range 32 {
		t0, ok0 := threadCPUTime()
		t1, ok1 := threadCPUTime()
		if !ok0 || !ok1 {
			return 0
		}
		if d := t1 - t0; least < 0 || d < least {
			least = d
		}
	}
	return max(least, 0)
})
