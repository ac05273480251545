// Package cgi is the Common Gateway Interface (RFC 3875) for WASI programs: a
// request becomes a program's environment and standard input, and what the
// program writes to standard output is parsed as a CGI response and streamed
// to the client.
//
// Any wasm32-wasi or wasip1 program can serve this way with no SDK: it reads
// REQUEST_METHOD, PATH_INFO, QUERY_STRING and HTTP_* from its environment and
// the body from stdin, and prints
//
//	Status: 200 OK
//	Content-Type: text/plain
//
//	hello
//
// The host side is two pieces: Env builds the meta-variables from an
// *http.Request, and Response parses the program's output as it is written.
package cgi

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"unsafe"
)

// Server describes the server side of the meta-variables.
type Server struct {
	// Name is SERVER_NAME when set; otherwise the request's Host without its
	// port is used.
	Name string
	// Software is SERVER_SOFTWARE.
	Software string
}

// Env appends the RFC 3875 meta-variables of r to dst as "NAME=value" and
// returns the result. scriptName is the part of the URL path that selected the
// program (SCRIPT_NAME, a route's prefix without its final slash); the rest of
// the path is PATH_INFO.
//
// Every request header becomes HTTP_<NAME> (upper case, '-' as '_'), its values
// joined with ", ", except Content-Type and Content-Length (which are
// CONTENT_TYPE and CONTENT_LENGTH), Proxy (which would become HTTP_PROXY, the
// "httpoxy" hazard) and headers whose name or value a program could misread
// (control characters, names that are not tokens). CONTENT_LENGTH is present
// only when the body's length is known; otherwise the program reads stdin to
// its end.
func Env(dst []string, r *http.Request, scriptName string, srv Server) []string {
	pathInfo := r.URL.Path
	if scriptName != "" && strings.HasPrefix(pathInfo, scriptName) {
		pathInfo = pathInfo[len(scriptName):]
	}
	name := srv.Name
	if name == "" {
		name = hostOnly(r.Host)
	}
	port, tcpPort := "80", -1
	if r.TLS != nil {
		port = "443"
	}
	switch la := r.Context().Value(http.LocalAddrContextKey).(type) {
	case *net.TCPAddr:
		tcpPort = la.Port // the usual case, formatted without a string of its own
	case net.Addr:
		if _, p, err := net.SplitHostPort(la.String()); err == nil {
			port = p
		}
	}
	remoteHost, remotePort, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		remoteHost, remotePort = r.RemoteAddr, ""
	}
	// Every variable goes into one buffer, and the strings returned are
	// pieces of it: a request costs one allocation for all of them, not
	// one per variable.
	e := envBuilder{buf: make([]byte, 0, 512), ends: make([]int, 0, 40)}
	e.add("GATEWAY_INTERFACE=", "CGI/1.1")
	e.add("SERVER_SOFTWARE=", srv.Software)
	e.add("SERVER_NAME=", name)
	if tcpPort >= 0 {
		e.buf = strconv.AppendInt(append(e.buf, "SERVER_PORT="...), int64(tcpPort), 10)
		e.end()
	} else {
		e.add("SERVER_PORT=", port)
	}
	e.add("SERVER_PROTOCOL=", r.Proto)
	e.add("REQUEST_METHOD=", r.Method)
	e.add("SCRIPT_NAME=", scriptName)
	e.add("PATH_INFO=", pathInfo)
	e.add("QUERY_STRING=", r.URL.RawQuery)
	if r.URL.Opaque == "" {
		// URL.RequestURI, without the concatenations.
		path := r.URL.EscapedPath() // the path itself when nothing needs escaping
		if path == "" {
			path = "/"
		}
		e.buf = append(append(e.buf, "REQUEST_URI="...), path...)
		if r.URL.ForceQuery || r.URL.RawQuery != "" {
			e.buf = append(append(e.buf, '?'), r.URL.RawQuery...)
		}
		e.end()
	} else {
		e.add("REQUEST_URI=", r.URL.RequestURI())
	}
	e.add("REMOTE_ADDR=", remoteHost)
	e.add("REMOTE_HOST=", remoteHost)
	if remotePort != "" {
		e.add("REMOTE_PORT=", remotePort)
	}
	if r.TLS != nil {
		e.add("HTTPS=", "on")
	}
	if r.ContentLength > 0 || (r.ContentLength == 0 && hasBodyMethod(r.Method)) {
		e.buf = strconv.AppendInt(append(e.buf, "CONTENT_LENGTH="...), r.ContentLength, 10)
		e.end()
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && clean(ct) {
		e.add("CONTENT_TYPE=", ct)
	}
	for k, vs := range r.Header {
		switch k {
		case "Content-Type", "Content-Length", "Proxy":
			continue
		}
		if !token(k) || !cleanAll(vs) {
			continue
		}
		sep := ", "
		if k == "Cookie" {
			sep = "; "
		}
		e.buf = append(e.buf, "HTTP_"...)
		e.buf = appendEnvName(e.buf, k)
		e.buf = append(e.buf, '=')
		for i, v := range vs {
			if i > 0 {
				e.buf = append(e.buf, sep...)
			}
			e.buf = append(e.buf, v...)
		}
		e.end()
	}
	if r.Host != "" && r.Header.Get("Host") == "" && clean(r.Host) {
		// net/http moves Host out of the header map.
		e.add("HTTP_HOST=", r.Host)
	}
	all := unsafe.String(unsafe.SliceData(e.buf), len(e.buf)) // e.buf is not written again
	start := 0
	for _, end := range e.ends {
		dst = append(dst, all[start:end])
		start = end
	}
	return dst
}

// envBuilder collects variables back to back, and where each ends.
type envBuilder struct {
	buf  []byte
	ends []int
}

func (e *envBuilder) add(prefix, value string) {
	e.buf = append(append(e.buf, prefix...), value...)
	e.end()
}

func (e *envBuilder) end() {
	e.ends = append(e.ends, len(e.buf))
}

func cleanAll(vs []string) bool {
	for _, v := range vs {
		if !clean(v) {
			return false
		}
	}
	return true
}

// hasBodyMethod reports whether an empty body with a known length is worth
// telling the program about (CONTENT_LENGTH=0).
func hasBodyMethod(m string) bool {
	return m == http.MethodPost || m == http.MethodPut || m == http.MethodPatch
}

func hostOnly(hostport string) string {
	if !strings.Contains(hostport, ":") {
		return hostport // without SplitHostPort's error
	}
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

// appendEnvName appends the meta-variable suffix of a canonical header
// name.
func appendEnvName(dst []byte, k string) []byte {
	for i := 0; i < len(k); i++ {
		switch c := k[i]; {
		case c == '-':
			dst = append(dst, '_')
		case 'a' <= c && c <= 'z':
			dst = append(dst, c-('a'-'A'))
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// token reports whether s is an RFC 9110 token made of letters, digits and '-'
// only: other token characters would not survive the mapping to an
// environment variable name unambiguously.
func token(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// clean reports whether v has no control characters (NUL, CR, LF, ...), which
// an environment cannot carry or a program could misread.
func clean(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
