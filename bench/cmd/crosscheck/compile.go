package main

import (
	"fmt"
	"runtime"
	"slices"
	"syscall"
	"time"

	"github.com/wasiaot/wasiaot/compiler"
)

// compiled is one target's artifact and the CPU times of its timed
// compiles.
type compiled struct {
	artifact []byte
	cpu      []time.Duration
}

// compileBoth compiles wasm for each target once untimed (the artifact
// kept) and then reps times timed, the targets taking turns so that drift
// in machine load touches both alike. A compile's time is the CPU time
// (user + system, every thread) the process spends in compiler.Compile,
// measured after a GC so that one compile does not pay for the last one's
// garbage; CPU time rather than wall time because the machine is shared.
func compileBoth(wasm []byte, targets []string, reps int) (map[string]*compiled, error) {
	res := map[string]*compiled{}
	for rep := -1; rep < reps; rep++ {
		for _, t := range targets {
			opts := compiler.DefaultOptions()
			opts.Target = t
			runtime.GC()
			c0, err := cpuTime()
			if err != nil {
				return nil, err
			}
			so, err := compiler.Compile(wasm, opts)
			c1, cerr := cpuTime()
			if err != nil {
				return nil, fmt.Errorf("compile --target %s: %w", t, err)
			}
			if cerr != nil {
				return nil, cerr
			}
			if rep < 0 {
				res[t] = &compiled{artifact: so}
				continue
			}
			res[t].cpu = append(res[t].cpu, c1-c0)
		}
	}
	return res, nil
}

// cpuTime is the process's user + system time so far.
func cpuTime() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("getrusage: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// median of ds (the mean of the middle two for an even count); 0 if empty.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
