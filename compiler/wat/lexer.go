package wat

import (
	"unicode/utf8"
)

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokLParen
	tokRParen
	tokAtom   // keyword, identifier, number or reserved word
	tokString // text holds the decoded bytes
)

type token struct {
	kind tokKind
	text string
	pos  int
}

// lexer splits source text into tokens, skipping white space and comments.
type lexer struct {
	src  []byte
	text string // src as a string: atoms are substrings of it, not copies
	pos  int
}

func isIDChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '/', ':', '<', '=', '>', '?', '@', '\\', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// skip passes over white space, line comments and nested block comments.
func (l *lexer) skip() error {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			l.pos++
		case c == ';' && l.pos+1 < len(l.src) && l.src[l.pos+1] == ';':
			for l.pos < len(l.src) && l.src[l.pos] != '\n' && l.src[l.pos] != '\r' {
				l.pos++
			}
		case c == '(' && l.pos+1 < len(l.src) && l.src[l.pos+1] == ';':
			start := l.pos
			depth := 0
			for {
				if l.pos+1 >= len(l.src) {
					return errAt(start, "unclosed block comment")
				}
				switch {
				case l.src[l.pos] == '(' && l.src[l.pos+1] == ';':
					depth++
					l.pos += 2
				case l.src[l.pos] == ';' && l.src[l.pos+1] == ')':
					depth--
					l.pos += 2
				default:
					l.pos++
				}
				if depth == 0 {
					break
				}
			}
		default:
			return nil
		}
	}
	return nil
}

func (l *lexer) next() (token, error) {
	if err := l.skip(); err != nil {
		return token{}, err
	}
	if l.pos >= len(l.src) {
		return token{kind: tokEOF, pos: l.pos}, nil
	}
	start := l.pos
	c := l.src[l.pos]
	switch {
	case c == '(':
		l.pos++
		return token{kind: tokLParen, pos: start}, nil
	case c == ')':
		l.pos++
		return token{kind: tokRParen, pos: start}, nil
	case c == '"':
		s, err := l.str()
		if err == nil && l.pos < len(l.src) && (l.src[l.pos] == '"' || isIDChar(l.src[l.pos])) {
			// Tokens must be separated: "a""b" is not two strings.
			err = errAt(start, "unknown operator")
		}
		return token{kind: tokString, text: s, pos: start}, err
	case isIDChar(c):
		for l.pos < len(l.src) && isIDChar(l.src[l.pos]) {
			l.pos++
		}
		if l.pos < len(l.src) && l.src[l.pos] == '"' {
			return token{}, errAt(start, "unknown operator")
		}
		if l.text == "" {
			l.text = string(l.src)
		}
		return token{kind: tokAtom, text: l.text[start:l.pos], pos: start}, nil
	}
	return token{}, errAt(start, "unexpected character %q", c)
}

func hexVal(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// str decodes a string literal; it may hold arbitrary bytes through \hh
// escapes, but its literal characters must be valid UTF-8.
func (l *lexer) str() (string, error) {
	start := l.pos
	l.pos++
	var out []byte
	for {
		if l.pos >= len(l.src) {
			return "", errAt(start, "unclosed string")
		}
		c := l.src[l.pos]
		switch {
		case c == '"':
			l.pos++
			return string(out), nil
		case c == '\\':
			if l.pos+1 >= len(l.src) {
				return "", errAt(start, "unclosed string")
			}
			e := l.src[l.pos+1]
			l.pos += 2
			switch e {
			case 't':
				out = append(out, '\t')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case '"', '\'', '\\':
				out = append(out, e)
			case 'u':
				r, err := l.unicodeEscape()
				if err != nil {
					return "", err
				}
				out = utf8.AppendRune(out, r)
			default:
				h := hexVal(e)
				if h < 0 || l.pos >= len(l.src) || hexVal(l.src[l.pos]) < 0 {
					return "", errAt(l.pos-2, "illegal escape")
				}
				out = append(out, byte(h<<4|hexVal(l.src[l.pos])))
				l.pos++
			}
		case c < 0x20 || c == 0x7f:
			return "", errAt(l.pos, "illegal character in string")
		case c < 0x80:
			out = append(out, c)
			l.pos++
		default:
			r, n := utf8.DecodeRune(l.src[l.pos:])
			if r == utf8.RuneError && n <= 1 {
				return "", errAt(l.pos, "malformed UTF-8 encoding")
			}
			out = append(out, l.src[l.pos:l.pos+n]...)
			l.pos += n
		}
	}
}

// unicodeEscape reads the {hex} part of \u{hex}.
func (l *lexer) unicodeEscape() (rune, error) {
	at := l.pos - 2
	if l.pos >= len(l.src) || l.src[l.pos] != '{' {
		return 0, errAt(at, "illegal escape")
	}
	l.pos++
	var r int64
	digits := 0
	for l.pos < len(l.src) && l.src[l.pos] != '}' {
		c := l.src[l.pos]
		if c == '_' && digits > 0 && l.pos+1 < len(l.src) && hexVal(l.src[l.pos+1]) >= 0 {
			l.pos++
			continue
		}
		h := hexVal(c)
		if h < 0 {
			return 0, errAt(at, "illegal escape")
		}
		r = r<<4 | int64(h)
		if r > 0x10FFFF {
			return 0, errAt(at, "illegal escape")
		}
		digits++
		l.pos++
	}
	if l.pos >= len(l.src) || digits == 0 || (r >= 0xD800 && r < 0xE000) {
		return 0, errAt(at, "illegal escape")
	}
	l.pos++
	return rune(r), nil
}
