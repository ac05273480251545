package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/wasiaot/wasiaot/runtime/serve"
)

func runServe(stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet(stdout, "serve", `Usage: wasiaot serve [flags] APP.so
       wasiaot serve --config routes.toml [flags]

Serve HTTP with WebAssembly programs: every request runs the program's _start in a fresh
instance, through CGI (RFC 3875): the request's meta-variables (REQUEST_METHOD, PATH_INFO,
QUERY_STRING, HTTP_*, ...) are its environment, the body its standard input, and what it writes
to standard output ("Status: 200", headers, a blank line, the body) is streamed to the client.
Standard error goes to the log with the request's id. See docs/serve.md.

With APP.so, the artifact serves every path. With --config, a TOML file maps path prefixes to
artifacts, each with its environment, read-only directories and limits.

Artifacts load once and are shared by all requests. A changed artifact file (replace it by
renaming a new file over it) or SIGHUP reloads atomically, requests in flight finishing on the
old version; SIGHUP also rereads the configuration file. SIGTERM or SIGINT drains: /readyz
fails, the listener closes, requests in flight finish, then the process exits.

Examples:
  wasiaot serve app.so --listen :8080 --admin 127.0.0.1:9090
  wasiaot serve --config routes.toml --verify-key release.pub
`)
	config := fs.String("config", "", "serve the routes of this TOML file")
	listen := fs.String("listen", "", "address of the HTTP listener (default :8080)")
	admin := fs.String("admin", "", "address of the admin listener: /healthz, /readyz, /metrics (default none)")
	keys := fs.StringArray("verify-key", nil, "require every artifact to be signed by this ed25519 public key file (repeatable: any of them)")
	envs := fs.StringArray("env", nil, "with APP.so: set K=V in every request's environment (repeatable)")
	dirs := fs.StringArray("dir-ro", nil, "with APP.so: preopen HOST[::GUEST] read-only (repeatable)")
	timeout := fs.Duration("timeout", 0, "wall-clock limit of a request (default 10s)")
	pages := fs.Uint32("memory-pages", 0, "linear memory cap of an instance in 64 KiB pages (default 1024)")
	maxReq := fs.Int64("max-request-bytes", 0, "request body limit (default 8 MiB)")
	maxResp := fs.Int64("max-response-bytes", 0, "response body limit (default 64 MiB)")
	conc := fs.Int("concurrency", 0, "requests run at once per route (default 64)")
	queue := fs.Int("queue", 0, "requests that may wait for a turn per route (default 256, -1 for none)")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the serving process to this file until it exits (for go tool pprof)")
	memProfile := fs.String("memprofile", "", "write a profile of what the serving process allocated to this file when it exits")
	fs.MarkHidden("cpuprofile")
	fs.MarkHidden("memprofile")
	if err := parseFlags(fs, args); err != nil {
		return err
	}

	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*logLevel)); err != nil {
		return usageError{fmt.Sprintf("--log-level %q: want debug, info, warn or error", *logLevel)}
	}
	var h slog.Handler
	switch *logFormat {
	case "text":
		h = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl})
	case "json":
		h = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: lvl})
	default:
		return usageError{fmt.Sprintf("--log-format %q: want text or json", *logFormat)}
	}
	log := slog.New(h)

	flagLimits := serve.Limits{
		Timeout: serve.Duration(*timeout), MemoryPages: *pages, MaxRequestBytes: *maxReq,
		MaxResponseBytes: *maxResp, Concurrency: *conc, Queue: *queue,
	}
	load := func() (*serve.Config, error) {
		var cfg *serve.Config
		switch {
		case *config != "" && fs.NArg() > 0:
			return nil, usageError{"give either APP.so or --config, not both"}
		case *config != "":
			if len(*envs) > 0 || len(*dirs) > 0 {
				return nil, usageError{"--env and --dir-ro go with APP.so; with --config, set them per route"}
			}
			c, err := serve.LoadConfig(*config)
			if err != nil {
				return nil, err
			}
			cfg = c
		case fs.NArg() == 1:
			cfg = &serve.Config{Routes: []serve.Route{{Prefix: "/", Artifact: fs.Arg(0), Dirs: *dirs}}}
			env := map[string]string{}
			for _, kv := range *envs {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k == "" {
					return nil, usageError{fmt.Sprintf("--env %q: want K=V", kv)}
				}
				env[k] = v
			}
			cfg.Routes[0].Env = env
		case fs.NArg() == 0:
			return nil, usageError{"nothing to serve: give an artifact (APP.so) or --config FILE"}
		default:
			return nil, usageError{"give one artifact; serve several with --config"}
		}
		// Flags override the file.
		if *listen != "" {
			cfg.Listen = *listen
		}
		if *admin != "" {
			cfg.Admin = *admin
		}
		cfg.VerifyKeys = append(cfg.VerifyKeys, *keys...)
		for i := range cfg.Routes {
			cfg.Routes[i].Limits = overrideLimits(cfg.Routes[i].Limits, flagLimits)
		}
		return cfg, cfg.Validate()
	}
	cfg, err := load()
	if err != nil {
		return err
	}
	srv, err := serve.New(cfg, log)
	if err != nil {
		return err
	}
	defer srv.Close()
	serve.TuneGC()

	addr := cfg.Listen
	if addr == "" {
		addr = ":8080"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	var adminLn net.Listener
	if cfg.Admin != "" {
		adminLn, err = net.Listen("tcp", cfg.Admin)
		if err != nil {
			ln.Close()
			return fmt.Errorf("admin listener: %w", err)
		}
		log.Info("admin listening", "addr", adminLn.Addr().String())
	}
	log.Info("listening", "addr", ln.Addr().String(), "routes", len(cfg.Routes))

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
			}
			start := time.Now()
			c, err := load()
			if err == nil {
				err = srv.Reload(c)
			}
			if err != nil {
				log.Error("reload failed; the previous configuration keeps serving", "err", err)
				continue
			}
			log.Info("reloaded", "took", time.Since(start))
		}
	}()
	stopProfiles, err := startProfiles(*cpuProfile, *memProfile)
	if err != nil {
		ln.Close()
		if adminLn != nil {
			adminLn.Close()
		}
		return err
	}
	err = srv.Run(ctx, ln, adminLn)
	if perr := stopProfiles(); err == nil {
		err = perr
	}
	return err
}

// overrideLimits sets in l the limits given on the command line.
func overrideLimits(l, flags serve.Limits) serve.Limits {
	if flags.Timeout != 0 {
		l.Timeout = flags.Timeout
	}
	if flags.MemoryPages != 0 {
		l.MemoryPages = flags.MemoryPages
	}
	if flags.MaxRequestBytes != 0 {
		l.MaxRequestBytes = flags.MaxRequestBytes
	}
	if flags.MaxResponseBytes != 0 {
		l.MaxResponseBytes = flags.MaxResponseBytes
	}
	if flags.Concurrency != 0 {
		l.Concurrency = flags.Concurrency
	}
	if flags.Queue != 0 {
		l.Queue = flags.Queue
	}
	return l
}
