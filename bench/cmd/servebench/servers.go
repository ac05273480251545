package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"

	"github.com/wasiaot/wasiaot/runtime/serve"
	"github.com/wasiaot/wasiaot/wasi/cgi"
)

// runServer serves the routes with one engine until SIGTERM. dir holds the
// programs: NAME.wasm and NAME.so.
func runServer(engine, addr, admin, dir string) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	switch engine {
	case "wasiaot":
		cfg := &serve.Config{WatchInterval: -1}
		for _, r := range routes {
			cfg.Routes = append(cfg.Routes, serve.Route{Prefix: r.prefix, Artifact: filepath.Join(dir, r.program+".so"),
				Limits: serve.Limits{Concurrency: 256, Queue: 1024}})
		}
		s, err := serve.New(cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
		if err != nil {
			return err
		}
		defer s.Close()
		serve.TuneGC() // as wasiaot serve does
		adm, err := net.Listen("tcp", admin)
		if err != nil {
			return err
		}
		return s.Run(ctx, ln, adm)
	case "native":
		return serveUntil(ctx, ln, nativeHandler())
	case "soak":
		return soakServer(ctx, ln, admin, dir)
	case "wasmtime":
		h, closer, err := wasmtimeHandler(dir)
		if err != nil {
			return err
		}
		defer closer()
		return serveUntil(ctx, ln, h)
	case "wazero":
		h, closer, err := wazeroHandler(ctx, dir)
		if err != nil {
			return err
		}
		defer closer()
		return serveUntil(ctx, ln, h)
	}
	return fmt.Errorf("unknown engine %q", engine)
}

func serveUntil(ctx context.Context, ln net.Listener, h http.Handler) error {
	hs := &http.Server{Handler: h}
	go func() {
		<-ctx.Done()
		hs.Close()
	}()
	err := hs.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// nativeHandler is the routes' logic written directly as Go handlers: the
// limit any sandbox can approach.
func nativeHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "hello, world\n")
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		ct := r.Header.Get("Content-Type")
		if ct == "" {
			ct = "application/octet-stream"
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.Write(b)
	})
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		const n = 1 << 20
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(n))
		piece := make([]byte, 16384)
		for off := 0; off < n; off += len(piece) {
			for i := range piece {
				piece[i] = 'a' + byte((off+i)%26)
			}
			if _, err := w.Write(piece); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/go/", func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "hello from Go, %s %s (%d bytes)\n", r.Method, strings.TrimPrefix(r.URL.Path, "/go"), n)
	})
	return mux
}

// wazeroHandler serves the same CGI contract as wasiaot serve, on wazero's
// optimizing compiler: modules compiled once, an instance per request.
func wazeroHandler(ctx context.Context, dir string) (http.Handler, func(), error) {
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	for _, r := range routes {
		b, err := os.ReadFile(filepath.Join(dir, r.program+".wasm"))
		if err != nil {
			return nil, nil, err
		}
		cm, err := rt.CompileModule(ctx, b)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", r.program, err)
		}
		prefix := r.prefix
		h := func(w http.ResponseWriter, req *http.Request) {
			resp := cgi.NewResponse(w, 0)
			cfg := wazero.NewModuleConfig().WithName("").WithArgs(r.program).
				WithStdin(req.Body).WithStdout(resp).WithStderr(os.Stderr).
				WithSysWalltime().WithSysNanotime().WithSysNanosleep().WithRandSource(rand.Reader)
			for _, kv := range cgi.Env(nil, req, prefix, cgi.Server{Software: "wazero"}) {
				k, v, _ := strings.Cut(kv, "=")
				cfg = cfg.WithEnv(k, v)
			}
			mod, err := rt.InstantiateModule(req.Context(), cm, cfg)
			if mod != nil {
				mod.Close(req.Context())
			}
			var exit *sys.ExitError
			if errors.As(err, &exit) && exit.ExitCode() == 0 {
				err = nil
			}
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
	return mux, func() { rt.Close(context.Background()) }, nil
}
