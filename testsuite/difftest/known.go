package difftest

import (
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// RefBug is a known bug of the reference engine. wasiaot is never changed
// to agree with the reference: the runner gives the reference a module
// the spec says behaves the same and that avoids the bug (Workaround),
// so that the comparison stays exact instead of excusing mismatches.
// Each entry is confirmed by a third opinion (binaryen's interpreter, or
// the spec's rules where binaryen cannot run it) in TestRefBugs.
type RefBug struct {
	ID, Reason string
	// Workaround returns the module the reference runs instead, or nil
	// when the bug cannot matter for bin.
	Workaround func(bin []byte) ([]byte, error)
}

// RefBugs is the list the runner consults.
var RefBugs = []RefBug{{
	ID: "wazero-active-data-not-dropped",
	Reason: "wazero 1.12's interpreter keeps active data segments after instantiation; the spec " +
		"drops them (WebAssembly 2.0, 4.5.4 instantiation: each active segment is copied as by " +
		"memory.init, then dropped as by data.drop), so memory.init of an active segment with a " +
		"non-empty range must trap, as wasiaot and binaryen's interpreter do. (Active element " +
		"segments wazero drops correctly.) Workaround: the reference runs the module with its " +
		"active data segments made passive and copied, then dropped, by a start function",
	Workaround: activeSegmentsInStart,
}}

// NoWorkaroundsEnv, when set, makes the reference run modules as they
// are, to see a known bug again (and to test reduction on it).
const NoWorkaroundsEnv = "WASIAOT_DIFFTEST_NO_WORKAROUNDS"

// referenceModule applies every workaround to the module the reference
// runs.
func referenceModule(bin []byte) []byte {
	if os.Getenv(NoWorkaroundsEnv) != "" {
		return bin
	}
	for _, b := range RefBugs {
		if w, err := b.Workaround(bin); err == nil && w != nil {
			bin = w
		}
	}
	return bin
}

// section is one section of a binary module.
type section struct {
	id   byte
	body []byte
}

func splitSections(bin []byte) ([]section, error) {
	if len(bin) < 8 {
		return nil, errors.New("short module")
	}
	var out []section
	for p := 8; p < len(bin); {
		id := bin[p]
		n, k := binary.Uvarint(bin[p+1:])
		if k <= 0 || p+1+k+int(n) > len(bin) {
			return nil, errors.New("bad section size")
		}
		out = append(out, section{id, bin[p+1+k : p+1+k+int(n)]})
		p += 1 + k + int(n)
	}
	return out, nil
}

// sectionOrder is where a section goes: the binary format's order, with
// the data count section before code.
func sectionOrder(id byte) int {
	switch id {
	case 0:
		return -1
	case 12:
		return 9 // data count: after element (8), before code (10)
	case 10, 11:
		return int(id)
	}
	return int(id) - 1
}

// activeSegmentsInStart rewrites active data segments (of memory 0) into
// passive ones that a new start function copies in order and drops, then
// calls the module's own start function. Active segments are copied
// after the element segments and before the start function, so the order
// is the spec's.
func activeSegmentsInStart(bin []byte) ([]byte, error) {
	secs, err := splitSections(bin)
	if err != nil {
		return nil, err
	}
	get := func(id byte) (int, []byte) {
		for i, s := range secs {
			if s.id == id {
				return i, s.body
			}
		}
		return -1, nil
	}
	_, datas := get(11)
	newDatas, body, ndata, err := passiveDatas(datas)
	if err != nil || body == nil {
		return nil, err
	}
	// Counts: imported functions, then defined ones.
	_, imports := get(2)
	nimported, err := countImportedFuncs(imports)
	if err != nil {
		return nil, err
	}
	_, funcs := get(3)
	nfuncs, fk := binary.Uvarint(funcs)
	_, types := get(1)
	ntypes, tk := binary.Uvarint(types)
	if fk <= 0 && len(funcs) > 0 || tk <= 0 && len(types) > 0 {
		return nil, errors.New("bad count")
	}
	if si, start := get(8); si >= 0 {
		old, _ := binary.Uvarint(start)
		body = append(body, 0x10)
		body = binary.AppendUvarint(body, old)
	}
	body = append(body, 0x0b)
	newFunc := nimported + nfuncs

	set := func(id byte, b []byte) {
		if i, _ := get(id); i >= 0 {
			secs[i].body = b
			return
		}
		secs = append(secs, section{id, b})
	}
	tb := binary.AppendUvarint(nil, ntypes+1)
	tb = append(tb, types[max(tk, 0):]...)
	set(1, append(tb, 0x60, 0x00, 0x00))
	fb := binary.AppendUvarint(nil, nfuncs+1)
	fb = append(fb, funcs[max(fk, 0):]...)
	set(3, binary.AppendUvarint(fb, ntypes))
	set(8, binary.AppendUvarint(nil, newFunc))
	set(11, newDatas)
	set(12, binary.AppendUvarint(nil, ndata))
	_, code := get(10)
	ncode, ck := binary.Uvarint(code)
	if ck <= 0 && len(code) > 0 {
		return nil, errors.New("bad code count")
	}
	cb := binary.AppendUvarint(nil, ncode+1)
	cb = append(cb, code[max(ck, 0):]...)
	fn := append([]byte{0x00}, body...) // no locals
	cb = binary.AppendUvarint(cb, uint64(len(fn)))
	set(10, append(cb, fn...))

	// Emit in the binary format's order (custom sections keep their place
	// relative to the start of the module only roughly: they go first).
	out := append([]byte(nil), bin[:8]...)
	for order := -1; order <= 11; order++ {
		for _, s := range secs {
			if sectionOrder(s.id) == order {
				out = append(out, s.id)
				out = binary.AppendUvarint(out, uint64(len(s.body)))
				out = append(out, s.body...)
			}
		}
	}
	return out, nil
}

func countImportedFuncs(b []byte) (uint64, error) {
	if len(b) == 0 {
		return 0, nil
	}
	r := &reader{b: b}
	n := r.u()
	var funcs uint64
	for range n {
		r.skip(int(r.u())) // module
		r.skip(int(r.u())) // name
		kind := r.byte()
		switch kind {
		case 0:
			r.u()
			funcs++
		case 1: // table: reftype limits
			r.byte()
			r.limits()
		case 2:
			r.limits()
		case 3:
			r.byte()
			r.byte()
		default:
			return 0, errors.New("bad import kind")
		}
	}
	return funcs, r.err
}

// constExpr copies a constant expression up to and including its end
// (i32.const or global.get, the forms an offset takes without extended
// constants).
func (r *reader) constExpr() []byte {
	start := r.p
	switch r.byte() {
	case 0x41:
		r.s()
	case 0x23:
		r.u()
	default:
		r.err = errors.New("unsupported offset expression")
	}
	if r.byte() != 0x0b {
		r.err = errors.New("offset expression not ended")
	}
	if r.err != nil {
		return nil
	}
	return r.b[start : r.p-1] // without end
}

func passiveDatas(b []byte) (out, init []byte, n uint64, err error) {
	if len(b) == 0 {
		return nil, nil, 0, nil
	}
	r := &reader{b: b}
	n = r.u()
	out = binary.AppendUvarint(nil, n)
	for i := range n {
		flag := r.u()
		var offset []byte
		switch flag {
		case 0:
			offset = r.constExpr()
		case 1:
		case 2:
			if r.u() != 0 {
				return nil, nil, 0, errors.New("not memory 0")
			}
			offset = r.constExpr()
		default:
			return nil, nil, 0, errors.New("bad data flag")
		}
		size := r.u()
		data := r.bytes(int(size))
		if r.err != nil {
			return nil, nil, 0, r.err
		}
		out = append(out, 0x01)
		out = binary.AppendUvarint(out, size)
		out = append(out, data...)
		if offset != nil {
			init = append(init, offset...)
			init = append(init, 0x41, 0x00, 0x41)
			init = appendSleb(init, int64(int32(size)))
			init = append(init, 0xfc, 0x08)
			init = binary.AppendUvarint(init, i)
			init = append(init, 0x00, 0xfc, 0x09)
			init = binary.AppendUvarint(init, i)
		}
	}
	return out, init, n, r.err
}

// reader reads LEB128 numbers and bytes, remembering the first error.
type reader struct {
	b   []byte
	p   int
	err error
}

func (r *reader) byte() byte {
	if r.p >= len(r.b) {
		r.err = errors.New("unexpected end")
		return 0
	}
	r.p++
	return r.b[r.p-1]
}

func (r *reader) u() uint64 {
	v, k := binary.Uvarint(r.b[min(r.p, len(r.b)):])
	if k <= 0 {
		r.err = errors.New("bad LEB128")
		return 0
	}
	r.p += k
	return v
}

func (r *reader) s() {
	for r.err == nil && r.byte()&0x80 != 0 {
	}
}

func (r *reader) skip(n int) { r.bytes(n) }

func (r *reader) bytes(n int) []byte {
	if n < 0 || r.p+n > len(r.b) {
		r.err = errors.New("unexpected end")
		return nil
	}
	r.p += n
	return r.b[r.p-n : r.p]
}

func (r *reader) limits() {
	if r.byte()&1 != 0 {
		r.u()
	}
	r.u()
}

// binaryenRun runs the module in binaryen's interpreter (wasm-opt
// --fuzz-exec-before, which calls every export in order with zero
// arguments) and returns its log.
func binaryenRun(dir string, bin []byte, features ...string) (string, error) {
	path := filepath.Join(dir, "third-opinion.wasm")
	if err := os.WriteFile(path, bin, 0o644); err != nil {
		return "", err
	}
	args := append([]string{path, "--fuzz-exec-before", "-q"}, features...)
	out, err := exec.Command("wasm-opt", args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}
