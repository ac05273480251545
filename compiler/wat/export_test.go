package wat

// Helpers for the external tests (package wat_test): they import the
// testsuite package, which may import this one.
var Sections = sections

// sections splits a module into its raw sections (id, size and payload).
func sections(b []byte) [][]byte {
	var out [][]byte
	if len(b) < 8 {
		return [][]byte{b}
	}
	out = append(out, b[:8])
	p := 8
	for p < len(b) {
		start := p
		p++
		size, n, ok := readU32(b[p:])
		if !ok || p+n+int(size) > len(b) {
			return append(out, b[start:])
		}
		p += n + int(size)
		out = append(out, b[start:p])
	}
	return out
}

// stripNames drops custom sections: wast2json adds a name section.
func stripNames(b []byte) []byte {
	var out []byte
	for _, s := range sections(b) {
		if len(out) > 0 && s[0] == 0 {
			continue
		}
		out = append(out, s...)
	}
	return out
}
