package engine

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// buildCache keeps what an ahead-of-time engine built for each module, in
// a temporary directory of its own, for the life of the process.
type buildCache struct {
	prefix string // of the temporary directory's name

	mu    sync.Mutex
	built map[string]string // wasm path → what build made
	dir   string
}

// get returns what build made for wasm. The first time, build runs in a
// fresh subdirectory and its duration is returned; afterwards zero.
func (c *buildCache) get(wasm string, build func(dir string) (string, time.Duration, error)) (string, time.Duration, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.built[wasm]; ok {
		return p, 0, nil
	}
	if c.dir == "" {
		dir, err := os.MkdirTemp("", c.prefix)
		if err != nil {
			return "", 0, err
		}
		c.dir = dir
	}
	sub := filepath.Join(c.dir, fmt.Sprint(len(c.built)))
	if err := os.MkdirAll(sub, 0o755); err != nil {
		return "", 0, err
	}
	p, took, err := build(sub)
	if err != nil {
		return "", 0, err
	}
	if c.built == nil {
		c.built = map[string]string{}
	}
	c.built[wasm] = p
	return p, took, nil
}

// Close removes everything built.
func (c *buildCache) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.built = nil
	if c.dir == "" {
		return nil
	}
	dir := c.dir
	c.dir = ""
	return os.RemoveAll(dir)
}

// stdio opens the standard streams of an in-process run: stdin from
// inv.StdinPath (empty without one), stdout into inv.StdoutPath, stderr to
// inv.Stderr (discarded without one). done closes the files.
func stdio(inv Invocation) (stdin io.Reader, stdout *os.File, stderr io.Writer, done func(), err error) {
	stdin, stderr = emptyReader{}, io.Discard
	if inv.Stderr != nil {
		stderr = inv.Stderr
	}
	var in *os.File
	if inv.StdinPath != "" {
		if in, err = os.Open(inv.StdinPath); err != nil {
			return nil, nil, nil, nil, err
		}
		stdin = in
	}
	if stdout, err = os.Create(inv.StdoutPath); err != nil {
		if in != nil {
			in.Close()
		}
		return nil, nil, nil, nil, err
	}
	return stdin, stdout, stderr, func() {
		stdout.Close()
		if in != nil {
			in.Close()
		}
	}, nil
}

type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, io.EOF }
