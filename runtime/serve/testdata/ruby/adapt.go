//go:build ignore

// adapt makes the CRuby WASI build published on npm (@ruby/3.4-wasm-wasi,
// dist/ruby+stdlib.wasm) a WASI command that wasiaot serve can run.
//
//	go run adapt.go ruby+stdlib.wasm ruby-cgi.wasm --disable-gems -r/app/main.rb -e_=0
//
// That build is a reactor for JavaScript hosts: it exports _initialize and
// ruby-init(args: list<string>) (the component model's canonical ABI), no
// _start, and it does not import WASI's args_get. adapt appends a _start
// function, and nothing else, so that no index in the module moves: it
// calls _initialize, then ruby-init with "ruby" and the arguments given to
// adapt, which runs Ruby's option processing, where a script given with -r
// runs. -e_=0 keeps Ruby from reading a program from standard input (the
// request body). With the script at /app/main.rb, each route preopens its
// own directory as /app. Serve it with trap_unknown_imports, for the
// JavaScript imports it never calls. Ruby does not flush its standard
// output at the end, since its VM is not torn down: the script ends with
// $stdout.flush.
package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: go run adapt.go IN.wasm OUT.wasm [RUBY-ARGS...]")
		os.Exit(2)
	}
	in, err := os.ReadFile(os.Args[1])
	if err == nil {
		var out []byte
		if out, err = adapt(in, append([]string{"ruby"}, os.Args[3:]...)); err == nil {
			err = os.WriteFile(os.Args[2], out, 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "adapt:", err)
		os.Exit(1)
	}
}

type section struct {
	id   byte
	body []byte
}

func adapt(b []byte, args []string) ([]byte, error) {
	if len(b) < 8 || !bytes.Equal(b[:8], []byte("\x00asm\x01\x00\x00\x00")) {
		return nil, errors.New("not a WebAssembly 1.0 module")
	}
	var secs []section
	for r := b[8:]; len(r) > 0; {
		id := r[0]
		n, k := uleb(r[1:])
		if k == 0 || uint64(len(r)-1-k) < n {
			return nil, errors.New("truncated section")
		}
		secs = append(secs, section{id, r[1+k : 1+k+int(n)]})
		r = r[1+k+int(n):]
	}
	find := func(id byte) *section {
		for i := range secs {
			if secs[i].id == id {
				return &secs[i]
			}
		}
		return nil
	}
	types, imports, funcs, exports, code := find(1), find(2), find(3), find(7), find(10)
	if types == nil || imports == nil || funcs == nil || exports == nil || code == nil {
		return nil, errors.New("missing a type, import, function, export or code section")
	}

	// Imported functions: their count.
	nimp := uint32(0)
	count, r := vec(imports.body)
	for range count {
		_, r = str(r)
		_, r = str(r)
		kind := r[0]
		r = r[1:]
		switch kind {
		case 0:
			_, k := uleb(r)
			r = r[k:]
			nimp++
		case 1: // table: reftype, limits
			r = limits(r[1:])
		case 2:
			r = limits(r)
		case 3: // global: valtype, mutability
			r = r[2:]
		default:
			return nil, fmt.Errorf("import of kind %d", kind)
		}
	}

	// The exports it calls.
	exp := map[string]uint32{}
	count, r = vec(exports.body)
	for range count {
		var name string
		name, r = str(r)
		kind := r[0]
		idx, k := uleb(r[1:])
		r = r[1+k:]
		if kind == 0 {
			exp[name] = uint32(idx)
		}
	}
	if _, ok := exp["_start"]; ok {
		return nil, errors.New("the module already exports _start")
	}
	var initialize, realloc, rubyInit uint32
	for name, dst := range map[string]*uint32{"_initialize": &initialize, "cabi_realloc": &realloc, "ruby-init": &rubyInit} {
		found := false
		for e, idx := range exp {
			if e == name || strings.HasPrefix(e, name+": ") {
				*dst, found = idx, true
			}
		}
		if !found {
			return nil, fmt.Errorf("the module exports no %s", name)
		}
	}

	// The new function's type, () -> (), goes last; so does the function.
	ntypes, rest := vec(types.body)
	types.body = append(append(uvec(ntypes+1), rest...), 0x60, 0, 0)
	ndefs, rest := vec(funcs.body)
	funcs.body = append(append(uvec(ndefs+1), rest...), leb(uint64(ntypes))...)
	start := nimp + uint32(ndefs)
	nexp, rest := vec(exports.body)
	exports.body = append(append(append(uvec(nexp+1), rest...), strBytes("_start")...), append([]byte{0}, leb(uint64(start))...)...)
	ncode, rest := vec(code.body)
	body := startBody(initialize, realloc, rubyInit, args)
	code.body = append(append(append(uvec(ncode+1), rest...), leb(uint64(len(body)))...), body...)

	out := []byte("\x00asm\x01\x00\x00\x00")
	for _, s := range secs {
		out = append(out, s.id)
		out = append(out, leb(uint64(len(s.body)))...)
		out = append(out, s.body...)
	}
	return out, nil
}

// startBody is _start: _initialize(); then ruby-init with args, each
// written with stores into memory that cabi_realloc gives, as a list of
// (pointer, length) pairs.
func startBody(initialize, realloc, rubyInit uint32, args []string) []byte {
	const p, list = 0, 1 // locals
	var c []byte
	op := func(b ...byte) { c = append(c, b...) }
	call := func(f uint32) { op(0x10); op(leb(uint64(f))...) }
	i32 := func(v int64) { op(0x41); op(sleb(v)...) }
	alloc := func(align, size int64) { // cabi_realloc(0, 0, align, size)
		i32(0)
		i32(0)
		i32(align)
		i32(size)
		call(realloc)
	}
	op(1, 2, 0x7f) // two i32 locals
	call(initialize)
	alloc(4, int64(8*len(args)))
	op(0x21, list)
	for i, a := range args {
		alloc(1, int64(len(a)+1))
		op(0x21, p)
		for k, ch := range []byte(a) {
			op(0x20, p)
			i32(int64(ch))
			op(0x3a, 0) // i32.store8
			op(leb(uint64(k))...)
		}
		op(0x20, p)
		i32(0)
		op(0x3a, 0)
		op(leb(uint64(len(a)))...)
		op(0x20, list, 0x20, p, 0x36, 2) // list[i].ptr = p
		op(leb(uint64(8 * i))...)
		op(0x20, list)
		i32(int64(len(a)))
		op(0x36, 2) // list[i].len
		op(leb(uint64(8*i + 4))...)
	}
	op(0x20, list)
	i32(int64(len(args)))
	call(rubyInit)
	op(0x0b)
	return c
}

func sleb(v int64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 && c&0x40 == 0 || v == -1 && c&0x40 != 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func uleb(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			return v, i + 1
		}
	}
	return 0, 0
}

func leb(v uint64) []byte { return binary.AppendUvarint(nil, v) }

func vec(b []byte) (uint64, []byte) {
	n, k := uleb(b)
	return n, b[k:]
}

func uvec(n uint64) []byte { return leb(n) }

func str(b []byte) (string, []byte) {
	n, k := uleb(b)
	return string(b[k : k+int(n)]), b[k+int(n):]
}

func strBytes(s string) []byte { return append(leb(uint64(len(s))), s...) }

func limits(b []byte) []byte {
	flags := b[0]
	_, k := uleb(b[1:])
	b = b[1+k:]
	if flags&1 != 0 {
		_, k = uleb(b)
		b = b[k:]
	}
	return b
}
