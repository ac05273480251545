package runtime

import (
	"bufio"
	"fmt"
	"os"
	"sync"

	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// Code runs from anonymous memory (see LoadFile), which perf cannot
// symbolise from a file. With Config.PerfMap, every image's functions and
// stubs are appended to /tmp/perf-<pid>.map, the file perf reads for code
// it finds no file for ("START SIZE NAME" in hex, one symbol a line), with
// the names of the artifact's ELF symbol table.

// perfMapPath is where perf looks; a variable for tests.
var perfMapPath = fmt.Sprintf("/tmp/perf-%d.map", os.Getpid())

var perfMapMu sync.Mutex

// writePerfMap adds img's symbols to the perf map, once per image.
func (img *image) writePerfMap() error {
	if img.code == nil {
		return nil
	}
	img.perfOnce.Do(func() {
		perfMapMu.Lock()
		defer perfMapMu.Unlock()
		f, err := os.OpenFile(perfMapPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			img.perfErr = fmt.Errorf("perf map: %w", err)
			return
		}
		w := bufio.NewWriter(f)
		for _, s := range artifact.Symbols(img.art) {
			size := s.Size
			if size == 0 {
				size = 1 // entry stubs share their address with a stub
			}
			fmt.Fprintf(w, "%x %x %s\n", uint64(img.text)+uint64(s.Offset), size, s.Name)
		}
		err = w.Flush()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			img.perfErr = fmt.Errorf("perf map: %w", err)
		}
	})
	return img.perfErr
}
