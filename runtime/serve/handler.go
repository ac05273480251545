package serve

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	goruntime "runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasiaot/wasiaot/runtime"
	"github.com/wasiaot/wasiaot/wasi"
	"github.com/wasiaot/wasiaot/wasi/cgi"
)

// Why a request ended early: the causes its context is cancelled with.
var (
	errDeadline         = errors.New("the request's time limit was reached")
	errRequestTooLarge  = errors.New("the request body is over its size limit")
	errResponseTooLarge = errors.New("the response body is over its size limit")
	errClientGone       = errors.New("the client went away")
	errBadResponse      = errors.New("the program's output is not a CGI response")
)

func (s *Server) serveHTTP(w http.ResponseWriter, req *http.Request) {
	arrived := time.Now()
	r := s.table.Load().match(req.URL.Path)
	if r == nil {
		http.NotFound(w, req)
		return
	}
	id := s.requestID(req)
	w.Header().Set("X-Request-Id", id)
	code := r.serve(w, req, id, arrived)
	r.met.answered(code)
	r.met.duration.Observe(time.Since(arrived).Seconds())
}

// serve runs one request and returns the status sent (0 if the response was
// cut after its status).
func (r *route) serve(w http.ResponseWriter, req *http.Request, id string, arrived time.Time) int {
	lim := &r.lim
	if lim.MaxRequestBytes > 0 && req.ContentLength > lim.MaxRequestBytes {
		r.met.failed("request_too_large")
		return fail(w, http.StatusRequestEntityTooLarge, "request body too large")
	}
	q := &request{w: w}
	ctx := q.start(req, arrived.Add(lim.Timeout.D()))
	defer q.cancel(nil)
	defer q.finish()

	// Admission: a free slot now, or a place in the queue until one frees.
	select {
	case r.slots <- struct{}{}:
	default:
		if r.queued.Add(1) > int64(max(lim.Queue, 0)) {
			r.queued.Add(-1)
			r.met.failed("rejected")
			w.Header().Set("Retry-After", "1")
			return fail(w, http.StatusServiceUnavailable, "busy")
		}
		r.met.queued.Inc()
		select {
		case r.slots <- struct{}{}:
			r.queued.Add(-1)
			r.met.queued.Dec()
		case <-ctx.Done():
			r.queued.Add(-1)
			r.met.queued.Dec()
			r.met.failed("rejected")
			w.Header().Set("Retry-After", "1")
			return fail(w, http.StatusServiceUnavailable, "busy")
		}
	}
	defer func() { <-r.slots }()
	r.met.inUse.Inc()
	defer r.met.inUse.Dec()

	a := r.acquireApp()
	if a == nil {
		return fail(w, http.StatusServiceUnavailable, "route closed")
	}
	defer a.release()

	resp := cgi.NewDelayedResponse(w, lim.MaxResponseBytes, time.Duration(r.srv.flushDelay.Load()))
	// Field by field: the timer's goroutine may be looking at reading and
	// writing already.
	out, in, errw := &q.out, &q.in, &q.errw
	out.resp, out.ctx, out.q = resp, ctx, q
	in.ctx, in.q, in.left = ctx, q, lim.MaxRequestBytes
	if req.Body != nil && req.Body != http.NoBody {
		in.r = req.Body
	}
	errw.log, errw.route, errw.id = r.srv.log, r.prefix, id

	host, ctx, inst, err := r.startInstance(ctx, a, req, q)
	if host == nil {
		r.srv.log.Error("request setup failed", "route", r.prefix, "id", id, "err", err)
		r.met.failed("setup")
		return fail(w, http.StatusInternalServerError, "internal error")
	}
	defer host.Close()
	if err != nil {
		return r.failed(w, resp, id, err, ctx)
	}
	defer inst.Close()

	_, err = inst.ExportedFunction("_start").Call(ctx)
	errw.flush()
	if m := inst.Memory(); m != nil {
		r.met.memory.Observe(float64(m.Size()) * 65536)
	}
	var exit *wasi.ExitError
	if errors.As(err, &exit) && exit.Code == 0 {
		err = nil
	}
	if err == nil && ctx.Err() != nil {
		// The program ended on its own after the host had to stop it: a
		// body over its limit, an output that is not a CGI response.
		switch cause := context.Cause(ctx); cause {
		case errRequestTooLarge, errResponseTooLarge, errBadResponse, errClientGone:
			err = cause
		}
	}
	if err == nil {
		err = resp.Close()
		if err != nil && !resp.Sent() {
			q.stop(errBadResponse)
		}
	}
	r.met.responseBytes.Add(float64(resp.BodyBytes()))
	if err != nil {
		return r.failed(w, resp, id, err, ctx)
	}
	return resp.Status()
}

// writeGrace is how long a write to the client in progress when a request
// is stopped may still take.
const writeGrace = 100 * time.Millisecond

// request is what a request's handling shares with the goroutines that may
// stop it: its deadline's timer, the watch of its connection, the program's
// standard streams. One allocation, and one context per request (with the
// host's value on top): a context per concern (deadline, cancellation, the
// connection's deadlines) would cost a context, a registration with its
// parent and a goroutine handoff each.
type request struct {
	cancel context.CancelCauseFunc // the request's context, with the cause
	w      http.ResponseWriter
	in     guestStdin
	out    guestStdout
	errw   guestStderr

	call callCtx // the context of the calls into the instance

	timer      *time.Timer // the deadline
	stopParent func() bool // the watch of the connection's context

	mu       sync.Mutex
	stopped  bool     // stop ran
	finished bool     // the handler is done with the connection
	afters   []func() // callCtx.AfterFunc's, nil once run or stopped
	afterBuf [2]func()
}

// callCtx is the context of the calls into a request's instance: the
// request's, with the WASI host. The runtime watches it through its
// AfterFunc (see runtime.AfterFuncer), which registers with the request
// itself: context.AfterFunc would register with the request's context,
// allocating and locking on each side, once per instance.
type callCtx struct {
	context.Context
	q *request
}

// AfterFunc runs f in its own goroutine once the request is stopped. The
// context is done only by stop until the request is over, when its
// instance is closed (which stops f) before the context is cancelled.
func (c *callCtx) AfterFunc(f func()) func() bool {
	q := c.q
	q.mu.Lock()
	if q.stopped {
		q.mu.Unlock()
		go f()
		return func() bool { return false }
	}
	if q.afters == nil {
		q.afters = q.afterBuf[:0]
	}
	i := len(q.afters)
	q.afters = append(q.afters, f)
	q.mu.Unlock()
	return func() bool {
		q.mu.Lock()
		defer q.mu.Unlock()
		if i < len(q.afters) && q.afters[i] != nil {
			q.afters[i] = nil
			return true
		}
		return false
	}
}

// start makes the request's context: cancelled by stop, when deadline
// passes, or when req's context is (the client went away, the server shuts
// down). The context does not register with req's: one watch does both.
func (q *request) start(req *http.Request, deadline time.Time) context.Context {
	ctx, cancel := context.WithCancelCause(context.WithoutCancel(req.Context()))
	q.cancel = cancel
	q.timer = time.AfterFunc(time.Until(deadline), q.expire)
	parent := req.Context()
	q.stopParent = context.AfterFunc(parent, func() { q.stop(context.Cause(parent)) })
	return ctx
}

func (q *request) expire() { q.stop(errDeadline) }

// stop cancels the request with cause (the first cause given stays), runs
// the functions registered with callCtx.AfterFunc, and has the connection's
// blocked reads and writes fail (stopConn), each on a goroutine of its own
// as context.AfterFunc would.
func (q *request) stop(cause error) {
	q.cancel(cause)
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.stopped {
		return
	}
	q.stopped = true
	for _, f := range q.afters {
		if f != nil {
			go f()
		}
	}
	q.afters = nil
	if !q.finished {
		go q.stopConn()
	}
}

// stopConn makes blocked reads and writes of the connection fail once the
// request is stopped: a guest waiting for a body a client never sends, or
// writing to a client that never reads, is stopped like one that loops. A
// deadline moves only if the guest is blocked in that direction, so that
// the server can still drain an unread body and send the error status.
func (q *request) stopConn() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.finished {
		return
	}
	rc := http.NewResponseController(q.w)
	if q.in.reading.Load() {
		rc.SetReadDeadline(time.Now())
	}
	if q.out.writing.Load() {
		// Not now but a little later: the write in progress may be the
		// first, with the status line, to a client that reads. Failed at
		// once, it would send nothing, and the status being committed,
		// the client would see the connection closed before any answer
		// instead of a cut response. A client that does not read is
		// stopped writeGrace later all the same.
		rc.SetWriteDeadline(time.Now().Add(writeGrace))
	}
}

// finish ends the watches: from then on, stopping the request leaves the
// connection alone (the handler may be answering on it, or it may serve the
// next request).
func (q *request) finish() {
	q.timer.Stop()
	q.stopParent()
	q.mu.Lock()
	q.finished = true
	q.mu.Unlock()
}

// startInstance makes the request's sandbox: its WASI context and an
// instance of the route's module, ready for _start. It records the wall
// time, and on one start in cpuSample the CPU time the goroutine spent (the
// work of the start, without waiting for a CPU): reading a thread's CPU
// clock is a system call, about as costly as the rest of a small start.
// The goroutine is locked to its thread meanwhile so that the thread's
// clock is the goroutine's; the clock's own cost is taken off. A nil host
// means the WASI context could not be made; with a host, err is the
// instantiation's, and hctx is ctx with the host, for the calls into the
// instance.
func (r *route) startInstance(ctx context.Context, a *app, req *http.Request, q *request) (host *wasi.Host, hctx context.Context, inst *runtime.Instance, err error) {
	var cpu0 int64
	sampled := r.starts.Add(1)%cpuSample == 0
	if sampled {
		goruntime.LockOSThread()
		defer goruntime.UnlockOSThread()
		cpu0, sampled = threadCPUTime()
	}
	start := time.Now()
	env := make([]string, 0, 24+len(r.env)+len(req.Header))
	env = cgi.Env(env, req, r.script, cgi.Server{Name: r.srv.cfgServerName(), Software: Software})
	env = append(env, r.env...)
	host, err = wasi.New(wasi.Config{Args: r.args, Env: env, Stdin: &q.in, Stdout: &q.out, Stderr: &q.errw, Preopens: r.preopens})
	if err != nil {
		return nil, ctx, nil, err
	}
	q.call = callCtx{wasi.WithHost(ctx, host), q}
	hctx = &q.call
	inst, err = a.mod.Instantiate(hctx, a.imports)
	if err != nil {
		return host, hctx, nil, err
	}
	r.met.instanceStart.Observe(time.Since(start).Seconds())
	if sampled {
		if cpu1, ok := threadCPUTime(); ok {
			r.met.instanceStartCPU.Observe(float64(max(cpu1-cpu0-clockOverhead(), 0)) / 1e9)
		}
	}
	return host, hctx, inst, nil
}

// cpuSample: one instance start in cpuSample has its CPU time measured.
const cpuSample = 32

// failed answers a request whose program did not complete: with a 5xx (4xx
// for an oversized request) if nothing was sent yet, by cutting the
// connection if the status was.
func (r *route) failed(w http.ResponseWriter, resp *cgi.Response, id string, err error, ctx context.Context) int {
	resp.Abort() // nothing more of the guest's output gets out
	kind, code := classify(err, context.Cause(ctx))

	r.met.failed(kind)
	lvl := slog.LevelWarn
	if kind == "client_gone" {
		lvl = slog.LevelInfo
	}
	r.srv.log.Log(ctx, lvl, "request failed", "route", r.prefix, "id", id, "kind", kind, "err", err,
		"sent", resp.Sent())
	if resp.Sent() {
		r.met.answered(0)
		// Cut the response: the client must not take a truncated body for a
		// complete one. The server recovers this panic and closes the
		// connection without logging.
		panic(http.ErrAbortHandler)
	}
	return fail(w, code, http.StatusText(code))
}

// classify names why a request failed (the metrics' kind) and picks its
// status.
func classify(err, cause error) (string, int) {
	switch {
	case errors.Is(cause, errRequestTooLarge):
		return "request_too_large", http.StatusRequestEntityTooLarge
	case errors.Is(cause, errResponseTooLarge) || errors.Is(err, cgi.ErrBodyTooLarge):
		return "response_too_large", http.StatusInternalServerError
	case errors.Is(cause, errDeadline):
		return "deadline", http.StatusGatewayTimeout
	case errors.Is(cause, errBadResponse):
		return "bad_response", http.StatusBadGateway
	case errors.Is(cause, errClientGone), errors.Is(cause, context.Canceled):
		// context.Canceled: the server cancelled the request, the
		// connection being gone.
		return "client_gone", http.StatusBadRequest
	}
	var exit *wasi.ExitError
	if errors.As(err, &exit) {
		return "exit", http.StatusInternalServerError
	}
	var trap *runtime.Trap
	if errors.As(err, &trap) {
		if trap.Kind == runtime.TrapInterrupted {
			return "interrupted", http.StatusServiceUnavailable
		}
		if trap.Kind == runtime.TrapHostError {
			return "host_error", http.StatusInternalServerError
		}
		return trap.Kind.String(), http.StatusInternalServerError
	}
	var he *cgi.HeaderError
	if errors.Is(err, cgi.ErrNoHeader) || errors.Is(err, cgi.ErrHeaderTooLarge) || errors.As(err, &he) {
		return "bad_response", http.StatusBadGateway
	}
	return "error", http.StatusInternalServerError
}

func fail(w http.ResponseWriter, code int, msg string) int {
	// A client that does not read gets a bounded time to take the answer.
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(5 * time.Second))
	h := w.Header()
	for k := range h {
		// Headers the program set for the response it did not complete.
		if k != "X-Request-Id" && k != "Retry-After" {
			delete(h, k)
		}
	}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Connection", "close")
	w.WriteHeader(code)
	io.WriteString(w, msg+"\n")
	return code
}

func (s *Server) cfgServerName() string {
	// The configuration is replaced whole on reload, never modified.
	if c := s.cfgName.Load(); c != nil {
		return *c
	}
	return ""
}

// guestStdout feeds the program's standard output to the CGI response and
// stops the program when the response cannot take more.
type guestStdout struct {
	resp    *cgi.Response
	ctx     context.Context
	q       *request
	writing atomic.Bool // as guestStdin.reading
}

func (o *guestStdout) Write(p []byte) (int, error) {
	o.writing.Store(true)
	defer o.writing.Store(false)
	if err := o.ctx.Err(); err != nil {
		// Stopped (deadline, request over its limit, client gone): the
		// program may still run to its next interruption check, but
		// nothing it writes goes out.
		o.resp.Abort()
		return 0, err
	}
	n, err := o.resp.Write(p)
	// No longer blocked on the connection: a stop from here leaves its
	// write deadline alone (the error status may still have to go out).
	o.writing.Store(false)
	if err != nil {
		switch {
		case errors.Is(err, cgi.ErrBodyTooLarge):
			o.q.stop(errResponseTooLarge)
		case errors.Is(err, cgi.ErrNoHeader), errors.Is(err, cgi.ErrHeaderTooLarge), errors.As(err, new(*cgi.HeaderError)):
			o.q.stop(errBadResponse)
		case errors.Is(err, cgi.ErrAborted):
		default:
			o.q.stop(errClientGone)
		}
	}
	return n, err
}

// guestStdin is the request body as the program's standard input, bounded by
// the route's limit.
type guestStdin struct {
	r    io.Reader
	ctx  context.Context
	q    *request
	left int64 // bytes the program may read
	read int64
	// reading is set while a Read may block on the connection. It is set
	// before the context is checked, and the stopping side checks it after
	// the context is done: one of the two sees the other.
	reading atomic.Bool
}

func (in *guestStdin) Read(p []byte) (int, error) {
	if in.r == nil {
		return 0, io.EOF
	}
	in.reading.Store(true)
	defer in.reading.Store(false)
	if err := in.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := in.r.Read(p)
	// No longer blocked on the connection: a stop from here leaves its
	// read deadline alone, so that the server can still drain the body.
	in.reading.Store(false)
	in.read += int64(n)
	if in.left > 0 && in.read > in.left {
		in.q.stop(errRequestTooLarge)
		return 0, errRequestTooLarge
	}
	if err != nil && err != io.EOF && in.ctx.Err() == nil {
		in.q.stop(errClientGone)
	}
	return n, err
}

// guestStderr logs the program's standard error line by line with the
// request's id, up to maxStderr bytes per request.
type guestStderr struct {
	log     *slog.Logger
	route   string
	id      string
	buf     []byte
	total   int
	dropped bool
}

const maxStderr = 16 << 10

func (e *guestStderr) Write(p []byte) (int, error) {
	n := len(p)
	if e.total+len(p) > maxStderr {
		p = p[:max(maxStderr-e.total, 0)]
		e.dropped = true
	}
	e.total += len(p)
	e.buf = append(e.buf, p...)
	for {
		i := bytes.IndexByte(e.buf, '\n')
		if i < 0 {
			break
		}
		e.log.Info("guest stderr", "route", e.route, "id", e.id, "line", string(e.buf[:i]))
		e.buf = e.buf[i+1:]
	}
	return n, nil
}

func (e *guestStderr) flush() {
	if len(e.buf) > 0 {
		e.log.Info("guest stderr", "route", e.route, "id", e.id, "line", string(e.buf))
		e.buf = nil
	}
	if e.dropped {
		e.log.Warn("guest stderr truncated", "route", e.route, "id", e.id, "limit", strconv.Itoa(maxStderr))
		e.dropped = false
	}
}
