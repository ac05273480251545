package cgi

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MaxHeaderBytes bounds the header part of a response (everything before the
// blank line).
const MaxHeaderBytes = 64 << 10

// Errors a Response's Write and Close return. A *HeaderError reports a
// malformed header.
var (
	ErrHeaderTooLarge = fmt.Errorf("cgi: response header longer than %d bytes", MaxHeaderBytes)
	ErrBodyTooLarge   = errors.New("cgi: response body over its size limit")
	ErrNoHeader       = errors.New("cgi: the program ended before the blank line that ends the response header")
	ErrAborted        = errors.New("cgi: response aborted")
)

// HeaderError is a malformed line in the response header.
type HeaderError struct {
	Line int // 1-based
	Text string
	Msg  string
}

func (e *HeaderError) Error() string {
	return fmt.Sprintf("cgi: response header line %d %q: %s", e.Line, e.Text, e.Msg)
}

// Response parses a program's standard output as a CGI response (RFC 3875
// §6) and streams it to an http.ResponseWriter: header lines up to a blank
// line, then the body. Lines end with "\n" or "\r\n". "Status: 404 Not
// Found" sets the status (200 by default, 302 with a Location and no
// Status); every other line is a response header.
//
// The client sees output as the program produces it: with a flush delay of
// 0, every write is sent at once (the header when the blank line arrives);
// with a delay d, what was written is sent at most d after it was written,
// so that a program that answers quickly has its whole response sent in one
// piece, with a Content-Length, as a Go handler's would be.
//
// Once a Write fails (malformed header, size limit, client gone, Abort) every
// later Write fails with the same error and nothing more reaches the client.
// Write, Close and Abort are called from one goroutine at a time; after
// Close or Abort, the Response no longer touches the ResponseWriter.
type Response struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	maxBody int64

	// With a flush delay, a timer flushes what is pending; mu keeps it
	// and the writer apart.
	delay    time.Duration
	mu       sync.Mutex
	timer    *time.Timer
	pending  bool // written, not flushed
	finished bool

	hdr    []byte // header bytes not yet parsed
	lines  int
	status int
	parsed bool   // the header is complete
	sent   bool   // the status went to the ResponseWriter
	held   []byte // body not sent yet, with a delay
	body   int64
	err    error
}

// NewResponse makes a Response writing to w that sends every write at once.
// maxBody bounds the body in bytes (0 means no limit).
func NewResponse(w http.ResponseWriter, maxBody int64) *Response {
	return &Response{w: w, rc: http.NewResponseController(w), maxBody: maxBody}
}

// NewDelayedResponse is NewResponse with a flush delay (see Response).
func NewDelayedResponse(w http.ResponseWriter, maxBody int64, delay time.Duration) *Response {
	r := NewResponse(w, maxBody)
	r.delay = delay
	return r
}

// maxBuffered bounds the body a delayed Response holds before it commits
// to its status.
const maxBuffered = 64 << 10

// Write consumes the next piece of the program's output.
func (r *Response) Write(p []byte) (int, error) {
	if r.delay > 0 {
		r.mu.Lock()
		defer r.mu.Unlock()
	}
	if r.err != nil {
		return 0, r.err
	}
	n := len(p)
	if !r.parsed {
		rest, err := r.header(p)
		if err != nil {
			r.err = err
			return 0, err
		}
		if !r.parsed {
			return n, nil
		}
		p = rest
	}
	if r.maxBody > 0 && r.body+int64(len(p)) > r.maxBody {
		r.err = ErrBodyTooLarge
		return 0, r.err
	}
	r.body += int64(len(p))
	if !r.sent {
		if r.delay > 0 && len(r.held)+len(p) <= maxBuffered {
			// Held until the timer, Close or more output: a failure
			// until then can still answer with an error status.
			r.held = append(r.held, p...)
			r.arm()
			return n, nil
		}
		// Send the header now, even before any body: a program that
		// streams may take a while to produce the first body byte.
		if err := r.commit(); err != nil {
			r.err = err
			return 0, err
		}
	}
	if len(p) > 0 {
		if _, err := r.w.Write(p); err != nil {
			r.err = err
			return 0, err
		}
	}
	if r.delay > 0 {
		r.arm()
		return n, nil
	}
	if err := r.rc.Flush(); err != nil {
		r.err = err
		return 0, err
	}
	return n, nil
}

// commit sends the status and the held body.
func (r *Response) commit() error {
	r.sent = true
	r.w.WriteHeader(r.status)
	held := r.held
	r.held = nil
	if len(held) > 0 {
		if _, err := r.w.Write(held); err != nil {
			return err
		}
	}
	return nil
}

// arm makes the timer flush soon. r.mu is held.
func (r *Response) arm() {
	if r.pending {
		return
	}
	r.pending = true
	if r.timer == nil {
		r.timer = time.AfterFunc(r.delay, r.flushLater)
	} else {
		r.timer.Reset(r.delay)
	}
}

func (r *Response) flushLater() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.finished || !r.pending || r.err != nil {
		return
	}
	r.pending = false
	if !r.sent {
		if err := r.commit(); err != nil {
			r.err = err
			return
		}
	}
	if err := r.rc.Flush(); err != nil {
		r.err = err
	}
}

// finish stops the flush timer: the caller owns the ResponseWriter again.
func (r *Response) finish() {
	if r.delay <= 0 {
		r.finished = true
		return
	}
	r.mu.Lock()
	r.finished = true
	if r.timer != nil {
		r.timer.Stop()
	}
	r.mu.Unlock()
}

// header takes bytes of the header part; once the blank line is seen it sends
// the status and returns the bytes after the blank line.
func (r *Response) header(p []byte) ([]byte, error) {
	if len(r.hdr) == 0 {
		// The usual case, a header written in one piece, is parsed where
		// it is, without a copy.
		if end := blankLine(p, 0); end >= 0 {
			if err := r.parse(p[:end]); err != nil {
				return nil, err
			}
			r.endHeader()
			return p[end:], nil
		}
	}
	start := len(r.hdr)
	r.hdr = append(r.hdr, p...)
	// Scan only lines that the new bytes can complete.
	if end := blankLine(r.hdr, bytes.LastIndexByte(r.hdr[:start], '\n')+1); end >= 0 {
		rest := r.hdr[end:]
		if err := r.parse(r.hdr[:end]); err != nil {
			return nil, err
		}
		r.endHeader()
		return rest, nil
	}
	if len(r.hdr) > MaxHeaderBytes {
		return nil, ErrHeaderTooLarge
	}
	return nil, nil
}

// blankLine returns the offset just after the first empty line of b that
// starts at or after scan (a line start), or -1.
func blankLine(b []byte, scan int) int {
	for {
		i := bytes.IndexByte(b[scan:], '\n')
		if i < 0 {
			return -1
		}
		line := b[scan : scan+i]
		scan += i + 1
		if len(line) == 0 || len(line) == 1 && line[0] == '\r' {
			return scan
		}
	}
}

// parse reads the complete header block (ending with its blank line).
func (r *Response) parse(block []byte) error {
	if len(block) > MaxHeaderBytes {
		return ErrHeaderTooLarge
	}
	h := r.w.Header()
	for line := range strings.Lines(string(block)) {
		r.lines++
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return &HeaderError{r.lines, line, `want "Name: value"`}
		}
		if !token(name) {
			return &HeaderError{r.lines, line, "the name is not a header name (letters, digits and '-')"}
		}
		value = strings.TrimSpace(value)
		if !clean(value) {
			return &HeaderError{r.lines, line, "the value contains control characters"}
		}
		switch http.CanonicalHeaderKey(name) {
		case "Status":
			code, _, _ := strings.Cut(value, " ")
			s, err := strconv.Atoi(code)
			if err != nil || len(code) != 3 || s < 200 || s > 599 {
				return &HeaderError{r.lines, line, "want a status code from 200 to 599"}
			}
			r.status = s
		case "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Trailer", "Te", "Proxy-Connection":
			// Hop-by-hop: the server manages the connection, not the program.
		default:
			h.Add(name, value)
		}
	}
	return nil
}

func (r *Response) endHeader() {
	r.hdr = nil
	r.parsed = true
	if r.status == 0 {
		r.status = http.StatusOK
		if r.w.Header().Get("Location") != "" {
			r.status = http.StatusFound
		}
	}
}

// Sent reports whether the status has gone to the ResponseWriter: after that,
// a failure can only cut the response, not replace it with an error status.
func (r *Response) Sent() bool { return r.sent }

// Status is the status sent, 0 before Sent.
func (r *Response) Status() int {
	if !r.sent {
		return 0
	}
	return r.status
}

// BodyBytes is how many body bytes the program wrote (and the client got,
// unless the response failed).
func (r *Response) BodyBytes() int64 { return r.body }

// Err is the error that stopped the response, if any.
func (r *Response) Err() error { return r.err }

// Abort makes every later Write fail: nothing more reaches the client.
func (r *Response) Abort() {
	r.finish()
	if r.err == nil {
		r.err = ErrAborted
	}
}

// Close ends the program's output. It fails with ErrNoHeader if the header
// was never completed, or with the error that stopped an earlier Write.
// Output not yet flushed goes out when the handler returns.
func (r *Response) Close() error {
	r.finish()
	if r.err != nil {
		return r.err
	}
	if !r.parsed {
		r.err = ErrNoHeader
		return r.err
	}
	if !r.sent {
		if err := r.commit(); err != nil {
			r.err = err
			return err
		}
	}
	return nil
}
