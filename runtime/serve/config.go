package serve

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Config is what a node serves and how. LoadConfig reads it from a TOML file;
// zero values pick the defaults documented on each field.
type Config struct {
	// Listen is the address of the HTTP listener (":8080" if empty).
	Listen string `toml:"listen"`
	// Admin is the address of the admin listener (/healthz, /readyz,
	// /metrics); empty means none.
	Admin string `toml:"admin"`
	// VerifyKeys are ed25519 public key files (PEM or hex): when any is
	// given, every artifact must carry a valid signature by one of them.
	VerifyKeys []string `toml:"verify_keys"`
	// ServerName is SERVER_NAME (the request's Host without port if empty).
	ServerName string `toml:"server_name"`
	// ReadHeaderTimeout bounds the time a client may take to send its
	// request header (slow clients); default 5s. IdleTimeout closes idle
	// keep-alive connections; default 60s.
	ReadHeaderTimeout Duration `toml:"read_header_timeout"`
	IdleTimeout       Duration `toml:"idle_timeout"`
	// DrainTimeout bounds how long a stopping server waits for requests in
	// flight; default 30s.
	DrainTimeout Duration `toml:"drain_timeout"`
	// WatchInterval is how often artifact files are checked for changes;
	// default 1s, negative disables watching.
	WatchInterval Duration `toml:"watch_interval"`
	// FlushDelay is how long output a program wrote may wait before it is
	// sent (default 1ms, negative: sent at every write). A program that
	// answers within it has its response sent whole, with a Content-Length.
	FlushDelay Duration `toml:"flush_delay"`
	// Defaults apply to every route for the limits the route leaves at 0.
	Defaults Limits  `toml:"defaults"`
	Routes   []Route `toml:"route"`
}

// Route maps a URL path prefix to an artifact.
type Route struct {
	// Prefix selects the requests: "/api" takes "/api" and "/api/...", "/"
	// takes everything no longer prefix takes. It becomes SCRIPT_NAME
	// (without a final slash) and the rest of the path PATH_INFO.
	Prefix string `toml:"prefix"`
	// Artifact is the compiled program (wasiaot build), relative to the
	// configuration file's directory.
	Artifact string `toml:"artifact"`
	// Args are the program's arguments after its name.
	Args []string `toml:"args"`
	// Env is added to every request's environment; names must not collide
	// with the CGI meta-variables.
	Env map[string]string `toml:"env"`
	// Dirs are read-only preopened directories, "HOST[::GUEST]".
	Dirs []string `toml:"dirs"`
	// TrapUnknownImports links every imported function that WASI does not
	// provide to one that traps when called (as Wasmtime's
	// Linker::define_unknown_imports_as_traps does): for programs built for
	// other hosts (a JavaScript embedding, say) whose paths the request
	// never takes. Without it such a program does not load.
	TrapUnknownImports bool `toml:"trap_unknown_imports"`
	Limits
}

// Limits bound one route's requests.
type Limits struct {
	// Timeout is the wall-clock limit of a request, queueing included
	// (default 10s): running code is interrupted and blocked reads and
	// writes of the connection fail.
	Timeout Duration `toml:"timeout"`
	// MemoryPages caps each instance's linear memory in 64 KiB pages
	// (default 1024, 64 MiB).
	MemoryPages uint32 `toml:"memory_pages"`
	// MaxRequestBytes and MaxResponseBytes bound the bodies (default 8 MiB
	// and 64 MiB).
	MaxRequestBytes  int64 `toml:"max_request_bytes"`
	MaxResponseBytes int64 `toml:"max_response_bytes"`
	// Concurrency is how many requests run at once (default 64); Queue is
	// how many more may wait for a turn (default 256, negative for none).
	// Beyond that, 503.
	Concurrency int `toml:"concurrency"`
	Queue       int `toml:"queue"`
}

var defaultLimits = Limits{
	Timeout:          Duration(10 * time.Second),
	MemoryPages:      1024,
	MaxRequestBytes:  8 << 20,
	MaxResponseBytes: 64 << 20,
	Concurrency:      64,
	Queue:            256,
}

// orDefault fills l's zero fields from d.
func (l Limits) orDefault(d Limits) Limits {
	if l.Timeout == 0 {
		l.Timeout = d.Timeout
	}
	if l.MemoryPages == 0 {
		l.MemoryPages = d.MemoryPages
	}
	if l.MaxRequestBytes == 0 {
		l.MaxRequestBytes = d.MaxRequestBytes
	}
	if l.MaxResponseBytes == 0 {
		l.MaxResponseBytes = d.MaxResponseBytes
	}
	if l.Concurrency == 0 {
		l.Concurrency = d.Concurrency
	}
	if l.Queue == 0 {
		l.Queue = d.Queue
	}
	return l
}

// Duration is a time.Duration written as "1.5s", "250ms" in TOML.
type Duration time.Duration

// UnmarshalText parses a Go duration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes d as a Go duration.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// D is d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// LoadConfig reads a TOML configuration. Relative artifact, directory and
// key paths are taken relative to the file's directory. Unknown keys are
// errors, so that a misspelt limit does not silently fall back to its default.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c Config
	md, err := toml.Decode(string(b), &c)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if un := md.Undecoded(); len(un) > 0 {
		keys := make([]string, len(un))
		for i, k := range un {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("%s: unknown keys: %s", path, strings.Join(keys, ", "))
	}
	base := filepath.Dir(path)
	rel := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(base, p)
	}
	for i := range c.VerifyKeys {
		c.VerifyKeys[i] = rel(c.VerifyKeys[i])
	}
	for i := range c.Routes {
		r := &c.Routes[i]
		r.Artifact = rel(r.Artifact)
		for j, d := range r.Dirs {
			host, guest, ok := strings.Cut(d, "::")
			if ok {
				r.Dirs[j] = rel(host) + "::" + guest
			} else {
				r.Dirs[j] = rel(host) + "::" + host
			}
		}
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}

// cgiNames are the meta-variables a route's Env may not override.
var cgiNames = map[string]bool{
	"GATEWAY_INTERFACE": true, "SERVER_SOFTWARE": true, "SERVER_NAME": true, "SERVER_PORT": true,
	"SERVER_PROTOCOL": true, "REQUEST_METHOD": true, "SCRIPT_NAME": true, "PATH_INFO": true,
	"QUERY_STRING": true, "REQUEST_URI": true, "REMOTE_ADDR": true, "REMOTE_HOST": true,
	"REMOTE_PORT": true, "HTTPS": true, "CONTENT_LENGTH": true, "CONTENT_TYPE": true,
}

// Validate checks the configuration without touching any file.
func (c *Config) Validate() error {
	var errs []error
	if len(c.Routes) == 0 {
		errs = append(errs, errors.New("no routes"))
	}
	if err := c.Defaults.check(); err != nil {
		errs = append(errs, fmt.Errorf("defaults: %w", err))
	}
	seen := map[string]bool{}
	for i, r := range c.Routes {
		where := fmt.Sprintf("route %d (prefix %q)", i+1, r.Prefix)
		if !strings.HasPrefix(r.Prefix, "/") {
			errs = append(errs, fmt.Errorf("%s: the prefix must start with /", where))
		}
		p := normPrefix(r.Prefix)
		if seen[p] {
			errs = append(errs, fmt.Errorf("%s: another route has the same prefix", where))
		}
		seen[p] = true
		if r.Artifact == "" {
			errs = append(errs, fmt.Errorf("%s: no artifact", where))
		}
		for k := range r.Env {
			if k == "" || strings.ContainsAny(k, "=\x00") {
				errs = append(errs, fmt.Errorf("%s: env name %q is not a variable name", where, k))
			} else if cgiNames[k] || strings.HasPrefix(k, "HTTP_") {
				errs = append(errs, fmt.Errorf("%s: env %s is a CGI meta-variable, set per request", where, k))
			}
		}
		for _, d := range r.Dirs {
			if host, _, _ := strings.Cut(d, "::"); host == "" {
				errs = append(errs, fmt.Errorf("%s: dir %q: want HOST[::GUEST]", where, d))
			}
		}
		if err := r.Limits.check(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
		}
	}
	return errors.Join(errs...)
}

func (l Limits) check() error {
	switch {
	case l.Timeout < 0:
		return errors.New("timeout must not be negative")
	case l.MemoryPages > 65536:
		return errors.New("memory_pages is at most 65536 (4 GiB)")
	case l.MaxRequestBytes < 0, l.MaxResponseBytes < 0:
		return errors.New("body limits must not be negative")
	case l.Concurrency < 0:
		return errors.New("concurrency must not be negative")
	}
	return nil
}

// normPrefix drops a final slash except from "/" itself.
func normPrefix(p string) string {
	if len(p) > 1 {
		p = strings.TrimRight(p, "/")
		if p == "" {
			p = "/"
		}
	}
	return p
}
