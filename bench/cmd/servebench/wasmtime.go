package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/bytecodealliance/wasmtime-go/v38"

	"github.com/wasiaot/wasiaot/wasi/cgi"
)

// wasmtimeHandler serves the same CGI contract as wasiaot serve on Wasmtime
// (Cranelift) through wasmtime-go: modules compiled once, a store and an
// instance per request. Wasmtime's C API gives WASI's standard streams only
// as files it opens by path, so each request's body and response go through
// two pipes, opened by Wasmtime as /proc/self/fd/N: the response is still
// streamed to the client as the guest writes it.
func wasmtimeHandler(dir string) (http.Handler, func(), error) {
	cfg := wasmtime.NewConfig()
	engine := wasmtime.NewEngineWithConfig(cfg)
	linker := wasmtime.NewLinker(engine)
	if err := linker.DefineWasi(); err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	var mods []*wasmtime.Module
	closeAll := func() {
		for _, m := range mods {
			m.Close()
		}
		linker.Close()
		engine.Close()
	}
	for _, r := range routes {
		b, err := os.ReadFile(filepath.Join(dir, r.program+".wasm"))
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		mod, err := wasmtime.NewModule(engine, b)
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("%s: %w", r.program, err)
		}
		mods = append(mods, mod)
		prefix, program := r.prefix, r.program
		h := func(w http.ResponseWriter, req *http.Request) {
			resp := cgi.NewResponse(w, 0)
			err := runWasmtime(engine, linker, mod, program, req, prefix, resp)
			if err == nil {
				err = resp.Close()
			}
			if err != nil {
				if resp.Sent() {
					panic(http.ErrAbortHandler)
				}
				http.Error(w, err.Error(), 500)
			}
		}
		mux.HandleFunc(prefix, h)
		mux.HandleFunc(prefix+"/", h)
	}
	return mux, closeAll, nil
}

// runWasmtime runs one request in a fresh store and instance of mod.
func runWasmtime(engine *wasmtime.Engine, linker *wasmtime.Linker, mod *wasmtime.Module, program string, req *http.Request, prefix string, out io.Writer) error {
	wc := wasmtime.NewWasiConfig()
	wc.SetArgv([]string{program})
	var keys, vals []string
	for _, kv := range cgi.Env(nil, req, prefix, cgi.Server{Software: "wasmtime"}) {
		k, v, _ := strings.Cut(kv, "=")
		keys, vals = append(keys, k), append(vals, v)
	}
	wc.SetEnv(keys, vals)
	wc.InheritStderr()

	// The body goes in through one pipe, the response comes out through
	// another; Wasmtime holds its own ends until the store is closed.
	inR, inW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer inW.Close()
	err = wc.SetStdinFile(fmt.Sprintf("/proc/self/fd/%d", inR.Fd()))
	inR.Close()
	if err != nil {
		return fmt.Errorf("stdin: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer outR.Close()
	err = wc.SetStdoutFile(fmt.Sprintf("/proc/self/fd/%d", outW.Fd()))
	outW.Close()
	if err != nil {
		return fmt.Errorf("stdout: %w", err)
	}

	go func() {
		io.Copy(inW, req.Body)
		inW.Close()
	}()
	copied := make(chan error, 1)
	go func() {
		_, err := io.Copy(out, outR)
		io.Copy(io.Discard, outR) // let the guest finish if the client went away
		copied <- err
	}()

	store := wasmtime.NewStore(engine)
	store.SetWasi(wc)
	err = func() error {
		inst, err := linker.Instantiate(store, mod)
		if err != nil {
			return err
		}
		start := inst.GetFunc(store, "_start")
		if start == nil {
			return errors.New("no _start export")
		}
		_, err = start.Call(store)
		var werr *wasmtime.Error
		if errors.As(err, &werr) {
			if status, ok := werr.ExitStatus(); ok && status == 0 {
				return nil
			}
		}
		return err
	}()
	store.Close() // closes Wasmtime's ends of the pipes: the copy ends
	if cerr := <-copied; err == nil {
		err = cerr
	}
	return err
}
