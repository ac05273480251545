package serve

import (
	goruntime "runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The thread CPU clock counts what the locked goroutine computes and not
// the time it sleeps.
func TestThreadCPUTime(t *testing.T) {
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	t0, ok := threadCPUTime()
	require.True(t, ok)
	time.Sleep(50 * time.Millisecond)
	t1, _ := threadCPUTime()
	require.Less(t, t1-t0, int64(20*time.Millisecond), "sleeping counted as CPU time")
	x := uint64(1)
	for start := time.Now(); time.Since(start) < 30*time.Millisecond; {
		for range 1000 {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	t2, _ := threadCPUTime()
	require.NotZero(t, x)
	// Spinning for 30 ms of wall time: at least some of it on a CPU,
	// even on a loaded machine.
	require.Greater(t, t2-t1, int64(time.Millisecond))
	require.Less(t, t2-t1, int64(time.Second))
	// What reading the clock costs, taken off every measurement.
	require.Less(t, clockOverhead(), int64(100*time.Microsecond))
}

// The CPU time of instance starts is sampled, one in cpuSample, beside
// the wall time of every start.
func TestInstanceStartCPUMetric(t *testing.T) {
	ts := startServer(t, oneRoute("/", artifactPath(t, "c/hello"), Limits{}), nil)
	const n = 4 * cpuSample
	for range n {
		get(t, ts.URL+"/")
	}
	m := metric(t, ts)
	require.Contains(t, m, `wasiaot_serve_instance_start_seconds_count{route="/"} `+strconv.Itoa(n))
	require.Contains(t, m, `wasiaot_serve_instance_start_cpu_seconds_count{route="/"} 4`)
	_, v, ok := strings.Cut(m, "\n"+`wasiaot_serve_instance_start_cpu_seconds_sum{route="/"} `)
	require.True(t, ok)
	v, _, _ = strings.Cut(v, "\n")
	sum, err := strconv.ParseFloat(v, 64)
	require.NoError(t, err)
	require.Positive(t, sum)
	require.Less(t, sum/4, 0.05, "mean CPU time of a C hello start")
}
