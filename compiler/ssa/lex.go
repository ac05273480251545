package ssa

import (
	"fmt"
	"strconv"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tNewline
	tWord   // identifiers, numbers, v1, b2, i32.add, offset, -1.5e+10
	tString // "quoted name"
	tArrow  // ->
	tPunct  // ( ) [ ] { } , : =
)

type token struct {
	kind tokKind
	text string
	line int
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '.' || c == '$' || c == '+' || c == '-'
}

// lex splits text into tokens. Comments run from ';' to the end of a line.
func lex(text string) ([]token, error) {
	var toks []token
	line := 1
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '\n':
			toks = append(toks, token{tNewline, "\n", line})
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == ';':
			for i < len(text) && text[i] != '\n' {
				i++
			}
		case c == '-' && i+1 < len(text) && text[i+1] == '>':
			toks = append(toks, token{tArrow, "->", line})
			i += 2
		case c == '"':
			j := i + 1
			for j < len(text) && text[j] != '"' && text[j] != '\n' {
				if text[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(text) || text[j] != '"' {
				return nil, fmt.Errorf("line %d: unterminated string", line)
			}
			s, err := strconv.Unquote(text[i : j+1])
			if err != nil {
				return nil, fmt.Errorf("line %d: bad string %s", line, text[i:j+1])
			}
			toks = append(toks, token{tString, s, line})
			i = j + 1
		case isWordByte(c):
			j := i
			for j < len(text) && isWordByte(text[j]) {
				j++
			}
			toks = append(toks, token{tWord, text[i:j], line})
			i = j
		case c == '(' || c == ')' || c == '[' || c == ']' || c == '{' || c == '}' || c == ',' || c == ':' || c == '=':
			toks = append(toks, token{tPunct, text[i : i+1], line})
			i++
		default:
			return nil, fmt.Errorf("line %d: unexpected character %q", line, c)
		}
	}
	toks = append(toks, token{tEOF, "", line})
	return toks, nil
}
