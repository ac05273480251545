// Package serve is wasiaot's HTTP edge node: it maps URL path prefixes to
// compiled artifacts and runs every request in a fresh instance, through the
// CGI contract of package wasi/cgi (the request as environment and stdin, the
// response streamed from stdout).
//
// Artifacts are loaded once and shared by all requests; Reload (on SIGHUP, or
// when a file changes) swaps a route's artifact atomically, requests in flight
// finishing on the old one. Each route caps its concurrent requests and queues
// a bounded number more (503 beyond), and bounds every request: linear memory
// pages, wall-clock time (running code is interrupted, blocked reads and
// writes of the connection fail), request and response body sizes. A request
// that fails gets a 5xx if its status has not been sent, and is cut (the
// connection aborted) if it has: no guest output follows a failure.
//
// The admin handler serves /healthz, /readyz and Prometheus /metrics.
package serve

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wasiaot/wasiaot/runtime"
	"github.com/wasiaot/wasiaot/wasi"
)

// Software is SERVER_SOFTWARE.
const Software = "wasiaot"

// Server serves the routes of a Config.
type Server struct {
	log     *slog.Logger
	metrics *metrics

	mu       sync.Mutex // serialises Reload and Close
	runtimes map[runtimeKey]*sharedRuntime
	// rts is the Runtimes of runtimes, for the metrics, which read it
	// without s.mu (a reload may hold that for long).
	rts   atomic.Pointer[[]*runtime.Runtime]
	cfg   *Config
	keys  []ed25519.PublicKey
	table atomic.Pointer[table]
	// cfgName is the configuration's ServerName, read per request, and
	// flushDelay its FlushDelay resolved.
	cfgName    atomic.Pointer[string]
	flushDelay atomic.Int64

	ready    atomic.Bool
	draining atomic.Bool

	idPrefix string
	idSeq    atomic.Uint64

	stopWatch chan struct{}
	watchDone chan struct{}
}

// table is an immutable set of routes, longest prefix first.
type table struct {
	routes []*route
}

func (t *table) match(path string) *route {
	for _, r := range t.routes {
		if r.prefix == "/" || path == r.prefix || strings.HasPrefix(path, r.prefix) && path[len(r.prefix)] == '/' {
			return r
		}
	}
	return nil
}

// New loads every route's artifact and returns a Server ready to serve; log
// may be nil (slog.Default()).
func New(cfg *Config, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.Default()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var seed [4]byte
	rand.Read(seed[:])
	s := &Server{log: log, metrics: newMetrics(), idPrefix: hex.EncodeToString(seed[:])}
	s.metrics.poolGauges(s.idleMemory)
	if err := s.Reload(cfg); err != nil {
		return nil, err
	}
	s.ready.Store(true)
	if iv := cfg.WatchInterval.D(); iv >= 0 {
		if iv == 0 {
			iv = time.Second
		}
		s.stopWatch, s.watchDone = make(chan struct{}), make(chan struct{})
		go s.watch(iv)
	}
	return s, nil
}

// Reload applies cfg (nil: the current configuration again). Every artifact
// whose file changed is loaded anew; a route whose settings are unchanged
// keeps its slots and queue. Nothing changes unless everything loads: on
// error the old routes keep serving. Requests in flight finish on the
// artifacts they started with.
func (s *Server) Reload(cfg *Config) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reload(cfg, false)
}

func (s *Server) reload(cfg *Config, onlyChanged bool) error {
	if cfg == nil {
		cfg = s.cfg
	} else if err := cfg.Validate(); err != nil {
		return err
	}
	keys, err := readKeys(cfg.VerifyKeys)
	if err != nil {
		return err
	}
	old := s.table.Load()
	byPrefix := map[string]*route{}
	if old != nil {
		for _, r := range old.routes {
			byPrefix[r.prefix] = r
		}
	}
	sameKeys := reflect.DeepEqual(keys, s.keys)
	var next table
	type swap struct {
		r *route
		a *app
	}
	var swaps []swap
	var fresh []*route
	fail := func(err error) error {
		for _, sw := range swaps {
			sw.a.release()
		}
		for _, r := range fresh {
			r.close()
		}
		return err
	}
	for _, rc := range cfg.Routes {
		lim := rc.Limits.orDefault(cfg.Defaults.orDefault(defaultLimits))
		prefix := normPrefix(rc.Prefix)
		if r := byPrefix[prefix]; r != nil && reflect.DeepEqual(r.cfg, rc) && r.lim == lim && sameKeys {
			delete(byPrefix, prefix)
			next.routes = append(next.routes, r)
			v, err := statVersion(r.cfg.Artifact)
			if err != nil {
				s.metrics.loads.WithLabelValues(r.name, "error").Inc()
				return fail(fmt.Errorf("route %s: %w", prefix, err))
			}
			if onlyChanged && v == r.current.Load().version {
				continue
			}
			a, err := loadApp(r.rt, rc.Artifact, rc.TrapUnknownImports)
			if err != nil {
				s.metrics.loads.WithLabelValues(r.name, "error").Inc()
				return fail(fmt.Errorf("route %s: %w", prefix, err))
			}
			swaps = append(swaps, swap{r, a})
			continue
		}
		r, err := s.newRoute(rc, lim, cfg, keys)
		if err != nil {
			s.metrics.loads.WithLabelValues(prefix, "error").Inc()
			return fail(fmt.Errorf("route %s: %w", prefix, err))
		}
		fresh = append(fresh, r)
		next.routes = append(next.routes, r)
	}
	sort.SliceStable(next.routes, func(i, j int) bool { return len(next.routes[i].prefix) > len(next.routes[j].prefix) })

	// Everything loaded: switch.
	for _, sw := range swaps {
		old := sw.r.current.Swap(sw.a)
		old.release()
		s.metrics.loads.WithLabelValues(sw.r.name, "ok").Inc()
		s.log.Info("artifact reloaded", "route", sw.r.prefix, "artifact", sw.r.cfg.Artifact)
	}
	for _, r := range fresh {
		s.metrics.loads.WithLabelValues(r.name, "ok").Inc()
		s.log.Info("route loaded", "route", r.prefix, "artifact", r.cfg.Artifact,
			"concurrency", r.lim.Concurrency, "queue", max(r.lim.Queue, 0), "timeout", r.lim.Timeout.D(),
			"memory_pages", r.lim.MemoryPages)
	}
	s.cfg, s.keys = cfg, keys
	name := cfg.ServerName
	s.cfgName.Store(&name)
	fd := cfg.FlushDelay.D()
	if fd == 0 {
		fd = time.Millisecond
	}
	s.flushDelay.Store(int64(fd))
	s.table.Store(&next)
	for _, r := range byPrefix {
		r.close() // removed routes: their artifacts close once idle
		s.metrics.slots.DeleteLabelValues(r.name)
	}
	return nil
}

// watch reloads the artifacts whose files changed, every iv.
func (s *Server) watch(iv time.Duration) {
	defer close(s.watchDone)
	t := time.NewTicker(iv)
	defer t.Stop()
	for {
		select {
		case <-s.stopWatch:
			return
		case <-t.C:
		}
		s.mu.Lock()
		if s.cfg != nil {
			if err := s.reload(nil, true); err != nil {
				s.log.Error("reload failed; the previous artifacts keep serving", "err", err)
			}
		}
		s.mu.Unlock()
	}
}

// Close stops watching files and releases the routes; requests in flight
// finish first (their artifacts close when they end).
func (s *Server) Close() error {
	if s.stopWatch != nil {
		close(s.stopWatch)
		<-s.watchDone
		s.stopWatch = nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.table.Swap(&table{}); t != nil {
		for _, r := range t.routes {
			r.close()
		}
	}
	s.cfg = nil
	return nil
}

// SetReady sets what /readyz answers: a draining node says it is not ready
// so that load balancers stop sending it requests.
func (s *Server) SetReady(ok bool) { s.ready.Store(ok) }

// Handler serves the routes.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// AdminHandler serves /healthz (the process is alive), /readyz (it takes
// requests: every route loaded, not draining) and /metrics.
func (s *Server) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		if !s.ready.Load() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	mux.Handle("/metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	return mux
}

// HTTPServer returns an http.Server for the routes with the configuration's
// timeouts against slow clients.
func (s *Server) HTTPServer() *http.Server {
	s.mu.Lock()
	cfg := s.cfg
	s.mu.Unlock()
	rht, idle := 5*time.Second, 60*time.Second
	if cfg != nil && cfg.ReadHeaderTimeout > 0 {
		rht = cfg.ReadHeaderTimeout.D()
	}
	if cfg != nil && cfg.IdleTimeout > 0 {
		idle = cfg.IdleTimeout.D()
	}
	return &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: rht,
		IdleTimeout:       idle,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
}

// Run serves the routes on ln and the admin handler on admin (if not nil)
// until ctx is done, then drains: /readyz fails, the listeners close, and
// requests in flight get up to the configuration's drain timeout to finish.
func (s *Server) Run(ctx context.Context, ln, admin net.Listener) error {
	hs := s.HTTPServer()
	var as *http.Server
	errc := make(chan error, 2)
	go func() { errc <- hs.Serve(ln) }()
	if admin != nil {
		as = &http.Server{Handler: s.AdminHandler(), ReadHeaderTimeout: 5 * time.Second}
		go func() { errc <- as.Serve(admin) }()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	s.draining.Store(true)
	s.SetReady(false)
	s.mu.Lock()
	drain := 30 * time.Second
	if s.cfg != nil && s.cfg.DrainTimeout > 0 {
		drain = s.cfg.DrainTimeout.D()
	}
	s.mu.Unlock()
	s.log.Info("draining", "timeout", drain)
	dctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	if serr := hs.Shutdown(dctx); serr != nil && err == nil {
		err = fmt.Errorf("drain: %w", serr)
		hs.Close()
	}
	if as != nil {
		as.Close()
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// route is one prefix with its runtime, current artifact, slots and queue.
type route struct {
	prefix string
	name   string // metrics label
	script string // SCRIPT_NAME
	cfg    Route
	lim    Limits
	srv    *Server

	rt       *runtime.Runtime
	rtKey    runtimeKey
	current  atomic.Pointer[app]
	env      []string // route env, "K=V"
	preopens []wasi.Preopen
	args     []string

	slots  chan struct{}
	queued atomic.Int64
	met    *routeMetrics
	starts atomic.Uint32 // instance starts, to sample their CPU time
}

func (s *Server) newRoute(rc Route, lim Limits, cfg *Config, keys []ed25519.PublicKey) (*route, error) {
	prefix := normPrefix(rc.Prefix)
	r := &route{
		prefix: prefix, name: prefix, cfg: rc, lim: lim, srv: s,
		script: strings.TrimSuffix(prefix, "/"),
		rtKey:  runtimeKey{lim.MemoryPages, keyString(keys)},
		slots:  make(chan struct{}, lim.Concurrency),
		met:    s.metrics.forRoute(prefix),
	}
	r.rt = s.acquireRuntime(r.rtKey, keys)
	r.args = append([]string{baseName(rc.Artifact)}, rc.Args...)
	keysSorted := make([]string, 0, len(rc.Env))
	for k := range rc.Env {
		keysSorted = append(keysSorted, k)
	}
	sort.Strings(keysSorted)
	for _, k := range keysSorted {
		r.env = append(r.env, k+"="+rc.Env[k])
	}
	for _, d := range rc.Dirs {
		host, guest, ok := strings.Cut(d, "::")
		if !ok {
			guest = host
		}
		r.preopens = append(r.preopens, wasi.Preopen{HostPath: host, GuestPath: guest, ReadOnly: true})
	}
	a, err := loadApp(r.rt, rc.Artifact, rc.TrapUnknownImports)
	if err != nil {
		s.releaseRuntime(r.rtKey)
		return nil, err
	}
	r.current.Store(a)
	s.metrics.slots.WithLabelValues(r.name).Set(float64(lim.Concurrency))
	return r, nil
}

// close drops the route's artifact; requests in flight keep theirs. s.mu is
// held.
func (r *route) close() {
	if a := r.current.Swap(nil); a != nil {
		a.release()
	}
	r.srv.releaseRuntime(r.rtKey)
}

// runtimeKey identifies the runtime settings routes can share: routes with
// the same memory cap and trusted keys share one Runtime, and so one pool of
// idle memories and one budget of resident pages.
type runtimeKey struct {
	pages uint32
	keys  string
}

type sharedRuntime struct {
	rt   *runtime.Runtime
	refs int
}

func keyString(keys []ed25519.PublicKey) string {
	var b []byte
	for _, k := range keys {
		b = append(b, k...)
	}
	return string(b)
}

// acquireRuntime returns the Runtime for k, made if needed. s.mu is held.
func (s *Server) acquireRuntime(k runtimeKey, keys []ed25519.PublicKey) *runtime.Runtime {
	if s.runtimes == nil {
		s.runtimes = map[runtimeKey]*sharedRuntime{}
	}
	sr := s.runtimes[k]
	if sr == nil {
		sr = &sharedRuntime{rt: runtime.New(runtime.Config{MemoryLimitPages: k.pages, MemoryPoolSize: 256, TrustedKeys: keys})}
		s.runtimes[k] = sr
		s.publishRuntimes()
	}
	sr.refs++
	return sr.rt
}

// publishRuntimes updates rts from runtimes. s.mu is held.
func (s *Server) publishRuntimes() {
	rts := make([]*runtime.Runtime, 0, len(s.runtimes))
	for _, sr := range s.runtimes {
		rts = append(rts, sr.rt)
	}
	s.rts.Store(&rts)
}

// idleMemory sums the idle linear memories of the server's Runtimes and the
// process's spares.
func (s *Server) idleMemory() runtime.IdleMemory {
	sum := runtime.SpareMemory()
	if rts := s.rts.Load(); rts != nil {
		for _, rt := range *rts {
			m := rt.IdleMemory()
			sum.Memories += m.Memories
			sum.ResidentBytes += m.ResidentBytes
		}
	}
	return sum
}

// releaseRuntime drops a route's use of the Runtime for k. s.mu is held.
func (s *Server) releaseRuntime(k runtimeKey) {
	sr := s.runtimes[k]
	if sr == nil {
		return
	}
	if sr.refs--; sr.refs == 0 {
		delete(s.runtimes, k)
		s.publishRuntimes()
		sr.rt.Close() // instances still running keep working
	}
}

// acquireApp returns the current artifact with a reference taken.
func (r *route) acquireApp() *app {
	for {
		a := r.current.Load()
		if a == nil {
			return nil
		}
		if a.acquire() {
			return a
		}
	}
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// requestID returns the client's X-Request-Id if it is a short token, or a
// new one.
func (s *Server) requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 64 && idToken(id) {
		return id
	}
	var b [8 + 1 + 16]byte
	n := copy(b[:], s.idPrefix)
	b[n] = '-'
	n++
	v := s.idSeq.Add(1)
	const digits = "0123456789abcdef"
	i := len(b)
	for {
		i--
		b[i] = digits[v&15]
		v >>= 4
		if v == 0 {
			break
		}
	}
	return string(append(b[:n], b[i:]...))
}

func idToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
