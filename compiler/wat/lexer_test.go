package wat

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// lexAll renders the tokens of src as "( ) atom "string"" with strings
// quoted in Go syntax, or the error.
func lexAll(src string) string {
	l := &lexer{src: []byte(src)}
	var out []string
	for {
		t, err := l.next()
		if err != nil {
			return "error: " + locate([]byte(src), err).Error()
		}
		switch t.kind {
		case tokEOF:
			return strings.Join(out, " ")
		case tokLParen:
			out = append(out, "(")
		case tokRParen:
			out = append(out, ")")
		case tokAtom:
			out = append(out, t.text)
		case tokString:
			out = append(out, fmt.Sprintf("%q", t.text))
		}
	}
}

func TestLexer(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`(module)`, `( module )`},
		{"  \t\r\n(func)\n", `( func )`},
		{`i32.const -0x1_0 $x.y offset=8`, `i32.const -0x1_0 $x.y offset=8`},
		{`;; line comment` + "\n" + `a ;; trailing`, `a`},
		{";; ends at CR\rb", `b`},
		{`(; block ;) a (; (; nested ;) still ;) b`, `a b`},
		{`a(;;)b`, `a b`},
		{`(;;;)c`, `c`},
		{`(; unclosed (; ;)`, `error: 1:1: unclosed block comment`},
		{`"plain"`, `"plain"`},
		{`"\t\n\r\"\'\\"`, `"\t\n\r\"'\\"`},
		{`"\00\ff\7F"`, `"\x00\xff\x7f"`},
		{`"\u{41}\u{1F600}\u{10_FFFF}"`, `"A😀\U0010ffff"`},
		{`"héllo"`, `"héllo"`},
		{`"\u{D800}"`, `error: 1:2: illegal escape`},
		{`"\u{110000}"`, `error: 1:2: illegal escape`},
		{`"\u{}"`, `error: 1:2: illegal escape`},
		{`"\x"`, `error: 1:2: illegal escape`},
		{`"\f"`, `error: 1:2: illegal escape`},
		{"\"tab\tinside\"", `error: 1:5: illegal character in string`},
		{"\"\xff\"", `error: 1:2: malformed UTF-8 encoding`},
		{`"open`, `error: 1:1: unclosed string`},
		{`"a""b"`, `error: 1:1: unknown operator`},
		{`"a"b`, `error: 1:1: unknown operator`},
		{`a"b"`, `error: 1:1: unknown operator`},
		{`"a" "b" ("c")`, `"a" "b" ( "c" )`},
		{`a,b`, "error: 1:2: unexpected character ','"},
		{"x\n  {", "error: 2:3: unexpected character '{'"},
	} {
		require.Equal(t, tc.want, lexAll(tc.src), "%q", tc.src)
	}
}
