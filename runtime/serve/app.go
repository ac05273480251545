package serve

import (
	"crypto/ed25519"
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/wasiaot/wasiaot/runtime"
	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// app is one loaded version of a route's artifact, shared by every request
// that starts while it is current. A reload makes a new app current; the old
// one is closed when its last request ends.
type app struct {
	mod     *runtime.Module
	start   bool // exports _start
	version fileVersion
	loaded  time.Time
	refs    atomic.Int64 // requests using it, +1 while it is current
}

// fileVersion identifies the contents of a file without reading it.
type fileVersion struct {
	dev, ino uint64
	size     int64
	mtime    int64
	ctime    int64
}

func statVersion(path string) (fileVersion, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileVersion{}, err
	}
	v := fileVersion{size: fi.Size(), mtime: fi.ModTime().UnixNano()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		v.dev, v.ino = uint64(st.Dev), st.Ino
		v.ctime = st.Ctim.Sec*1e9 + st.Ctim.Nsec
	}
	return v, nil
}

// acquire takes a reference unless the app has already been released for
// good.
func (a *app) acquire() bool {
	for {
		n := a.refs.Load()
		if n <= 0 {
			return false
		}
		if a.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

func (a *app) release() {
	if a.refs.Add(-1) == 0 {
		a.mod.Close()
	}
}

// loadApp loads and verifies the artifact at path into rt, whose
// TrustedKeys (if any) it must be signed by.
func loadApp(rt *runtime.Runtime, path string) (*app, error) {
	v, err := statVersion(path)
	if err != nil {
		return nil, err
	}
	mod, err := rt.LoadFile(path)
	if err != nil {
		return nil, err
	}
	a := &app{mod: mod, version: v, loaded: time.Now()}
	for _, e := range mod.Exports() {
		if e.Name == "_start" && e.Kind == runtime.KindFunc && len(e.Func.Params) == 0 && len(e.Func.Results) == 0 {
			a.start = true
		}
	}
	if !a.start {
		mod.Close()
		return nil, fmt.Errorf("%s: exports no _start function of type [] -> []: not a WASI command", path)
	}
	a.refs.Store(1)
	return a, nil
}

// readKeys reads the verification keys.
func readKeys(paths []string) ([]ed25519.PublicKey, error) {
	var keys []ed25519.PublicKey
	for _, p := range paths {
		k, err := artifact.ReadPublicKeyFile(p)
		if err != nil {
			return nil, fmt.Errorf("verify key %s: %w", p, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}
