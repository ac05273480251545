package serve

import (
	"crypto/ed25519"
	"errors"
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

// loadApp loads and verifies the artifact at path into rt. With keys, the
// file must carry a valid signature by one of them; it is then read once and
// loaded from the bytes that were checked, so that the file changing between
// the check and the load cannot slip an unsigned version in.
func loadApp(rt *runtime.Runtime, path string, keys []ed25519.PublicKey) (*app, error) {
	v, err := statVersion(path)
	if err != nil {
		return nil, err
	}
	var mod *runtime.Module
	if len(keys) == 0 {
		mod, err = rt.LoadFile(path)
	} else {
		var b []byte
		b, err = os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		if err = verifySigned(b, keys); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		mod, err = rt.Load(b)
		if err != nil {
			err = fmt.Errorf("%s: %w", path, err)
		}
	}
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

func verifySigned(b []byte, keys []ed25519.PublicKey) error {
	var errs []error
	for _, k := range keys {
		err := artifact.VerifySignature(b, k)
		if err == nil {
			return nil
		}
		errs = append(errs, err)
	}
	return fmt.Errorf("not signed by a trusted key: %w", errors.Join(errs...))
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
