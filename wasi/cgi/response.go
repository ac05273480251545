package cgi

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
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
// Status); every other line is a response header. The status and headers go
// out when the blank line arrives; every body write after that is sent and
// flushed at once, so the client sees output as the program produces it.
//
// Once a Write fails (malformed header, size limit, client gone, Abort) every
// later Write fails with the same error and nothing more reaches the client.
// A Response is used from one goroutine at a time.
type Response struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	maxBody int64

	hdr    []byte // header bytes not yet parsed
	lines  int
	status int
	sent   bool
	body   int64
	err    error
}

// NewResponse makes a Response writing to w. maxBody bounds the body in bytes
// (0 means no limit).
func NewResponse(w http.ResponseWriter, maxBody int64) *Response {
	return &Response{w: w, rc: http.NewResponseController(w), maxBody: maxBody}
}

// Write consumes the next piece of the program's output.
func (r *Response) Write(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n := len(p)
	if !r.sent {
		rest, err := r.header(p)
		if err != nil {
			r.err = err
			return 0, err
		}
		if !r.sent {
			return n, nil
		}
		p = rest
		if len(p) == 0 {
			// Send the header now: a program that streams may take a while
			// to produce the first body byte.
			if err := r.rc.Flush(); err != nil {
				r.err = err
				return 0, err
			}
			return n, nil
		}
	}
	if r.maxBody > 0 && r.body+int64(len(p)) > r.maxBody {
		r.err = ErrBodyTooLarge
		return 0, r.err
	}
	r.body += int64(len(p))
	if _, err := r.w.Write(p); err != nil {
		r.err = err
		return 0, err
	}
	if err := r.rc.Flush(); err != nil {
		r.err = err
		return 0, err
	}
	return n, nil
}

// header takes bytes of the header part; once the blank line is seen it sends
// the status and headers and returns the bytes after the blank line.
func (r *Response) header(p []byte) ([]byte, error) {
	start := len(r.hdr)
	r.hdr = append(r.hdr, p...)
	// Scan only lines that the new bytes can complete.
	scan := bytes.LastIndexByte(r.hdr[:start], '\n') + 1
	for {
		i := bytes.IndexByte(r.hdr[scan:], '\n')
		if i < 0 {
			break
		}
		line := r.hdr[scan : scan+i]
		scan += i + 1
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			rest := r.hdr[scan:]
			if err := r.parse(r.hdr[:scan]); err != nil {
				return nil, err
			}
			r.send()
			return rest, nil
		}
	}
	if len(r.hdr) > MaxHeaderBytes {
		return nil, ErrHeaderTooLarge
	}
	return nil, nil
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

func (r *Response) send() {
	r.hdr = nil
	r.sent = true
	status := r.status
	if status == 0 {
		status = http.StatusOK
		if r.w.Header().Get("Location") != "" {
			status = http.StatusFound
		}
	}
	r.status = status
	r.w.WriteHeader(status)
}

// Sent reports whether the status line has gone to the client: after that, a
// failure can only cut the response, not replace it with an error status.
func (r *Response) Sent() bool { return r.sent }

// Status is the status sent, 0 before Sent.
func (r *Response) Status() int {
	if !r.sent {
		return 0
	}
	return r.status
}

// BodyBytes is how many body bytes went to the client.
func (r *Response) BodyBytes() int64 { return r.body }

// Err is the error that stopped the response, if any.
func (r *Response) Err() error { return r.err }

// Abort makes every later Write fail: nothing more reaches the client.
func (r *Response) Abort() {
	if r.err == nil {
		r.err = ErrAborted
	}
}

// Close ends the program's output. It fails with ErrNoHeader if the header
// was never completed, or with the error that stopped an earlier Write.
func (r *Response) Close() error {
	if r.err != nil {
		return r.err
	}
	if !r.sent {
		r.err = ErrNoHeader
		return r.err
	}
	return nil
}
