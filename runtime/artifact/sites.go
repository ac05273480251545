package artifact

import "github.com/wasiaot/wasiaot/runtime/trap"

import "encoding/binary"

// encodedSites is a trap or call site table kept in its encoded form, the way
// the metadata stores it. A large module has hundreds of thousands of sites
// and looks one up only when it traps or exits, so the lazy readers check the
// table in one pass that allocates nothing but an index of every
// siteStride-th entry; a lookup then decodes at most siteStride entries.
type encodedSites struct {
	enc      []byte // the entries, after the count
	n        int
	withKind bool
	index    []siteMark
}

// siteMark is where entry k*siteStride starts in enc and its code offset.
type siteMark struct{ off, pos uint32 }

const siteStride = 32

// Len is the number of sites.
func (t *encodedSites) Len() int {
	if t == nil {
		return 0
	}
	return t.n
}

// next decodes the entry at pos in a table that scanSites accepted.
func (t *encodedSites) next(pos int) (Site, int) {
	var s Site
	var v uint64
	v, pos = fastUvarint(t.enc, pos)
	s.Offset = uint32(v)
	if t.withKind {
		s.Kind = trap.Kind(t.enc[pos])
		pos++
	}
	v, pos = fastUvarint(t.enc, pos)
	s.Func = uint32(v)
	v, pos = fastUvarint(t.enc, pos)
	s.WasmOffset = uint32(v)
	return s, pos
}

// fastUvarint reads a uvarint already known to be well formed.
func fastUvarint(b []byte, pos int) (uint64, int) {
	if c := b[pos]; c < 0x80 {
		return uint64(c), pos + 1
	}
	v, n := binary.Uvarint(b[pos:])
	return v, pos + n
}

// At returns the site at text offset off.
func (t *encodedSites) At(off uint32) (Site, bool) {
	if t == nil || t.n == 0 {
		return Site{}, false
	}
	// The last mark at or before off.
	lo, hi := 0, len(t.index)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if t.index[m].off <= off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == 0 {
		return Site{}, false
	}
	k, pos := (lo-1)*siteStride, int(t.index[lo-1].pos)
	for end := min(k+siteStride, t.n); k < end; k++ {
		var s Site
		s, pos = t.next(pos)
		if s.Offset >= off {
			return s, s.Offset == off
		}
	}
	return Site{}, false
}

// Sites decodes the whole table.
func (t *encodedSites) Sites() []Site {
	if t.Len() == 0 {
		return nil
	}
	out := make([]Site, t.n)
	pos := 0
	for i := range out {
		out[i], pos = t.next(pos)
	}
	return out
}

// siteChunk is a site table as decodeChunk leaves it: its entries are
// decoded and checked by validate, which knows the functions.
type siteChunk struct {
	table encodedSites
	base  int // payload offset of table.enc, for messages
	chunk int
}

// siteTable reads the count of a site table and keeps the rest of the chunk
// for scanSites.
func (d *decoder) siteTable(withKind bool, what string) *siteChunk {
	minSize := 3
	if withKind {
		minSize = 4
	}
	n := d.count(minSize, what)
	if d.err != nil {
		return nil
	}
	c := &siteChunk{table: encodedSites{enc: d.b[d.off:], n: n, withKind: withKind}, base: d.base + d.off, chunk: d.chunk}
	d.off = len(d.b)
	return c
}

// scanSites decodes and checks every entry of c and either returns them
// (keep) or builds the index of the encoded table. Its messages are those of
// decoding the entries one by one and then checking the slice.
func (v *validator) scanSites(c *siteChunk, what, table string, keep bool) []Site {
	if c == nil || v.err != nil {
		return nil
	}
	t := &c.table
	isTraps := t.withKind
	d := decoder{b: t.enc, base: c.base, chunk: c.chunk}
	var out []Site
	if keep && t.n > 0 {
		out = make([]Site, 0, t.n)
	}
	if !keep && t.n > 0 {
		t.index = make([]siteMark, 0, (t.n+siteStride-1)/siteStride)
	}
	var prev uint32
	b := t.enc
	for i := 0; i < t.n; i++ {
		pos := d.off
		// The fast path takes minimal encodings of 32-bit values; the
		// decoder redoes anything else, to accept or report it exactly.
		s, p, ok := entry(b, pos, isTraps)
		if ok {
			d.off = p
		} else {
			s.Offset = d.u32x(what, " code offset")
			if isTraps {
				s.Kind = trap.Kind(d.u8x(what, " kind"))
			}
			s.Func = d.u32x(what, " function index")
			s.WasmOffset = d.u32x(what, " wasm offset")
			if d.err != nil {
				v.err = d.err
				return nil
			}
		}
		if !keep && i%siteStride == 0 {
			t.index = append(t.index, siteMark{off: s.Offset, pos: uint32(pos)})
		}
		if !v.site(s, i, i > 0, prev, isTraps, table) {
			return nil
		}
		prev = s.Offset
		if keep {
			out = append(out, s)
		}
	}
	if d.off != len(d.b) {
		d.start = d.off
		d.fail(ErrMalformed, "%d unread bytes at the end of the chunk", len(d.b)-d.off)
		v.err = d.err
		return nil
	}
	return out
}

// uv32 reads a minimally encoded uvarint of at most 32 bits at pos.
func uv32(b []byte, pos int) (uint32, int, bool) {
	var v uint32
	for shift := uint(0); pos < len(b); shift += 7 {
		c := b[pos]
		pos++
		if c < 0x80 {
			if shift == 28 && c > 0xf || c == 0 && shift > 0 {
				return 0, pos, false
			}
			return v | uint32(c)<<shift, pos, true
		}
		if shift == 28 {
			return 0, pos, false
		}
		v |= uint32(c&0x7f) << shift
	}
	return 0, pos, false
}

// window is room for the longest entry a fast decode accepts (three
// five-byte numbers and a kind byte), so that indexing it needs no bounds
// checks.
type window = [16]byte

// uvw is uv32 within a window, which must hold the whole number: one-byte
// numbers, the most common, take the inlined path.
func uvw(w *window, i int) (uint32, int, bool) {
	if c := w[i&15]; c < 0x80 {
		return uint32(c), i + 1, true
	}
	return uvwLong(w, i)
}

func uvwLong(w *window, i int) (uint32, int, bool) {
	v := uint32(w[i&15] & 0x7f)
	for shift := uint(7); shift <= 28; shift += 7 {
		i++
		c := w[i&15]
		if c < 0x80 {
			if c == 0 || shift == 28 && c > 0xf {
				return 0, i + 1, false
			}
			return v | uint32(c)<<shift, i + 1, true
		}
		v |= uint32(c&0x7f) << shift
	}
	return 0, i + 1, false
}

// entryBytewise is entry one varint at a time, for the table's last
// bytes, where a window would read past the end.
func entryBytewise(b []byte, pos int, withKind bool) (s Site, p int, ok bool) {
	p = pos
	if s.Offset, p, ok = uv32(b, p); ok && withKind {
		if ok = p < len(b); ok {
			s.Kind = trap.Kind(b[p])
			p++
		}
	}
	if ok {
		s.Func, p, ok = uv32(b, p)
	}
	if ok {
		s.WasmOffset, p, ok = uv32(b, p)
	}
	return s, p, ok
}

// entry decodes the site at pos, reporting false for anything the decoder
// must look at: a number that is not a minimal 32-bit encoding, or the end
// of the table.
func entry(b []byte, pos int, withKind bool) (Site, int, bool) {
	if pos+len(window{}) > len(b) {
		return entryBytewise(b, pos, withKind)
	}
	var s Site
	w := (*window)(b[pos:])
	i, ok1 := 0, false
	s.Offset, i, ok1 = uvw(w, i)
	if withKind {
		s.Kind = trap.Kind(w[i&15])
		i++
	}
	v, i, ok2 := uvw(w, i)
	s.Func = v
	v, i, ok3 := uvw(w, i)
	s.WasmOffset = v
	// Five bytes at most per number: a longer one ran out of the window.
	return s, pos + i, ok1 && ok2 && ok3 && i <= len(window{})
}
