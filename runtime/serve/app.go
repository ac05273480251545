package serve

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/wasiaot/wasiaot/runtime"
	"github.com/wasiaot/wasiaot/runtime/artifact"
	"github.com/wasiaot/wasiaot/wasi"
)

// app is one loaded version of a route's artifact, shared by every request
// that starts while it is current. A reload makes a new app current; the old
// one is closed when its last request ends.
type app struct {
	mod     *runtime.Module
	start   bool // exports _start
	imports runtime.Imports
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
// TrustedKeys (if any) it must be signed by. With trapUnknown, imported
// functions that WASI does not provide trap when called.
func loadApp(rt *runtime.Runtime, path string, trapUnknown bool) (*app, error) {
	v, err := statVersion(path)
	if err != nil {
		return nil, err
	}
	mod, err := rt.LoadFile(path)
	if err != nil {
		return nil, err
	}
	a := &app{mod: mod, version: v, loaded: time.Now(), imports: wasi.ContextImports()}
	if trapUnknown {
		a.imports = withTraps(a.imports, mod)
	}
	for _, d := range mod.Imports() {
		if a.imports[d.Module][d.Name] == nil {
			mod.Close()
			return nil, fmt.Errorf("%s: unknown import: %q %q: WASI does not provide it (trap_unknown_imports links unknown functions to traps)", path, d.Module, d.Name)
		}
	}
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

// withTraps returns im plus, for every function mod imports that im does
// not have, one that fails the call with an error naming it (a trap).
func withTraps(im runtime.Imports, mod *runtime.Module) runtime.Imports {
	out := runtime.Imports{}
	for m, fns := range im {
		for n, e := range fns {
			out.Define(m, n, e)
		}
	}
	for _, d := range mod.Imports() {
		if d.Kind != runtime.KindFunc || out[d.Module][d.Name] != nil {
			continue
		}
		err := fmt.Errorf("unknown import %q %q called (linked by trap_unknown_imports)", d.Module, d.Name)
		out.Define(d.Module, d.Name, runtime.NewHostFunction(d.Module+"."+d.Name, d.Func,
			func(context.Context, *runtime.Instance, []uint64, []uint64) error { return err }))
	}
	return out
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
