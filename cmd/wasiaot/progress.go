package main

import (
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// runProgressAbove is the module size from which run shows a progress bar
// while it compiles: smaller modules compile in well under a second.
const runProgressAbove = 1 << 20

// isTerminal says whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// compileProgress returns a compiler.Options.Progress callback that draws
// a bar on stderr, and a function that erases it once compilation ends,
// or nils when stderr is not a terminal: a log or a pipe gets no progress
// noise.
func compileProgress(stderr io.Writer, what string) (progress func(done, total int), finish func()) {
	if !isTerminal(stderr) {
		return nil, func() {}
	}
	var mu sync.Mutex
	var bar *progressbar.ProgressBar
	progress = func(done, total int) {
		mu.Lock()
		defer mu.Unlock()
		if bar == nil {
			bar = progressbar.NewOptions(total,
				progressbar.OptionSetWriter(stderr),
				progressbar.OptionSetDescription("compiling "+what),
				progressbar.OptionShowCount(),
				progressbar.OptionSetWidth(30),
				progressbar.OptionThrottle(100*time.Millisecond),
			)
		}
		bar.Set(done)
	}
	finish = func() {
		mu.Lock()
		defer mu.Unlock()
		if bar != nil {
			bar.Exit() // no more drawing, whether compilation ended well or not
			bar.Clear()
			bar = nil
		}
	}
	return progress, finish
}
