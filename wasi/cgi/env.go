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
	port := "80"
	if r.TLS != nil {
		port = "443"
	}
	if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if _, p, err := net.SplitHostPort(la.String()); err == nil {
			port = p
		}
	}
	remoteHost, remotePort, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		remoteHost, remotePort = r.RemoteAddr, ""
	}
	dst = append(dst,
		"GATEWAY_INTERFACE=CGI/1.1",
		"SERVER_SOFTWARE="+srv.Software,
		"SERVER_NAME="+name,
		"SERVER_PORT="+port,
		"SERVER_PROTOCOL="+r.Proto,
		"REQUEST_METHOD="+r.Method,
		"SCRIPT_NAME="+scriptName,
		"PATH_INFO="+pathInfo,
		"QUERY_STRING="+r.URL.RawQuery,
		"REQUEST_URI="+r.URL.RequestURI(),
		"REMOTE_ADDR="+remoteHost,
		"REMOTE_HOST="+remoteHost,
	)
	if remotePort != "" {
		dst = append(dst, "REMOTE_PORT="+remotePort)
	}
	if r.TLS != nil {
		dst = append(dst, "HTTPS=on")
	}
	if r.ContentLength > 0 || (r.ContentLength == 0 && hasBodyMethod(r.Method)) {
		dst = append(dst, "CONTENT_LENGTH="+strconv.FormatInt(r.ContentLength, 10))
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && clean(ct) {
		dst = append(dst, "CONTENT_TYPE="+ct)
	}
	for k, vs := range r.Header {
		switch k {
		case "Content-Type", "Content-Length", "Proxy":
			continue
		}
		if !token(k) {
			continue
		}
		sep := ", "
		if k == "Cookie" {
			sep = "; "
		}
		v := strings.Join(vs, sep)
		if !clean(v) {
			continue
		}
		dst = append(dst, "HTTP_"+envName(k)+"="+v)
	}
	if r.Host != "" && r.Header.Get("Host") == "" && clean(r.Host) {
		// net/http moves Host out of the header map.
		dst = append(dst, "HTTP_HOST="+r.Host)
	}
	return dst
}

// hasBodyMethod reports whether an empty body with a known length is worth
// telling the program about (CONTENT_LENGTH=0).
func hasBodyMethod(m string) bool {
	return m == http.MethodPost || m == http.MethodPut || m == http.MethodPatch
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

// envName turns a canonical header name into its meta-variable suffix.
func envName(k string) string {
	b := []byte(k)
	for i, c := range b {
		switch {
		case c == '-':
			b[i] = '_'
		case 'a' <= c && c <= 'z':
			b[i] = c - ('a' - 'A')
		}
	}
	return string(b)
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
