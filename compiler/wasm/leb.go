package wasm

import "unicode/utf8"

// Spec test suite wording for malformed encodings.
const (
	msgUnexpectedEnd = "unexpected end"
	msgTooLong       = "integer representation too long"
	msgTooLarge      = "integer too large"
	msgBadUTF8       = "malformed UTF-8 encoding"
	msgSectionEnd    = "unexpected end of section or function"
)

// cursor reads primitive values from buf. base is the module offset of buf[0],
// so errors point into the whole module.
type cursor struct {
	buf  []byte
	pos  int
	base int
	// endMsg, if set, reports running out of a section that is not the
	// last thing in the module.
	endMsg string
}

func (c *cursor) errEnd(off int) *Error {
	if c.endMsg != "" {
		return c.errAt(off, c.endMsg)
	}
	return c.errAt(off, msgUnexpectedEnd)
}

func (c *cursor) offset() int { return c.base + c.pos }

func (c *cursor) errAt(off int, msg string) *Error {
	return &Error{FuncIndex: -1, Offset: off, Msg: msg}
}

func (c *cursor) eof() bool { return c.pos >= len(c.buf) }

func (c *cursor) byte() (byte, error) {
	if c.pos >= len(c.buf) {
		return 0, c.errEnd(c.offset())
	}
	b := c.buf[c.pos]
	c.pos++
	return b, nil
}

func (c *cursor) bytes(n int) ([]byte, error) {
	if n < 0 || n > len(c.buf)-c.pos {
		return nil, c.errEnd(c.offset())
	}
	b := c.buf[c.pos : c.pos+n : c.pos+n]
	c.pos += n
	return b, nil
}

// varU reads an unsigned LEB128 of at most bits bits.
func (c *cursor) varU(bits uint) (uint64, error) {
	start := c.pos
	var v uint64
	var shift uint
	maxBytes := int((bits + 6) / 7)
	for i := 0; ; i++ {
		if c.pos >= len(c.buf) {
			return 0, c.errEnd(c.base + c.pos)
		}
		b := c.buf[c.pos]
		c.pos++
		if i == maxBytes-1 {
			if b&0x80 != 0 {
				return 0, c.errAt(c.base+start, msgTooLong)
			}
			// Bits beyond the value's width must be zero.
			if unused := bits - shift; unused < 7 && b>>unused != 0 {
				return 0, c.errAt(c.base+start, msgTooLarge)
			}
			return v | uint64(b)<<shift, nil
		}
		v |= uint64(b&0x7F) << shift
		if b&0x80 == 0 {
			return v, nil
		}
		shift += 7
	}
}

// varS reads a signed LEB128 of at most bits bits.
func (c *cursor) varS(bits uint) (int64, error) {
	start := c.pos
	var v int64
	var shift uint
	maxBytes := int((bits + 6) / 7)
	for i := 0; ; i++ {
		if c.pos >= len(c.buf) {
			return 0, c.errEnd(c.base + c.pos)
		}
		b := c.buf[c.pos]
		c.pos++
		if i == maxBytes-1 {
			if b&0x80 != 0 {
				return 0, c.errAt(c.base+start, msgTooLong)
			}
			// The unused high bits must all equal the value's sign bit.
			used := bits - shift // bits of b that belong to the value, 1..7
			if used < 7 {
				rest := int8(b<<1) >> (used) // sign-extend b's 7 bits, drop used-1 bits
				if rest != 0 && rest != -1 {
					return 0, c.errAt(c.base+start, msgTooLarge)
				}
			}
			v |= int64(b&0x7F) << shift
			shift += 7
			if shift < 64 {
				v = v << (64 - shift) >> (64 - shift)
			}
			return v, nil
		}
		v |= int64(b&0x7F) << shift
		shift += 7
		if b&0x80 == 0 {
			if shift < 64 && b&0x40 != 0 {
				v |= -1 << shift
			}
			return v, nil
		}
	}
}

func (c *cursor) u32() (uint32, error) {
	// Fast path, small enough to inline: one byte.
	if p := c.pos; p < len(c.buf) && c.buf[p] < 0x80 {
		c.pos = p + 1
		return uint32(c.buf[p]), nil
	}
	return c.u32Slow()
}

// u32Slow stays out of line so that u32 inlines.
//
//go:noinline
func (c *cursor) u32Slow() (uint32, error) {
	v, err := c.varU(32)
	return uint32(v), err
}

// prealloc is the capacity to reserve for a vector of n items of at least
// minSize bytes each: never more than the remaining bytes can hold.
func (c *cursor) prealloc(n, minSize int) int {
	return min(n, (len(c.buf)-c.pos)/minSize)
}

func (c *cursor) u64() (uint64, error) { return c.varU(64) }

func (c *cursor) s32() (int32, error) {
	if c.pos < len(c.buf) && c.buf[c.pos] < 0x80 {
		v := c.buf[c.pos]
		c.pos++
		return int32(int8(v<<1) >> 1), nil
	}
	v, err := c.varS(32)
	return int32(v), err
}

func (c *cursor) s33() (int64, error) { return c.varS(33) }

func (c *cursor) s64() (int64, error) { return c.varS(64) }

func (c *cursor) f32() (uint32, error) {
	b, err := c.bytes(4)
	if err != nil {
		return 0, err
	}
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24, nil
}

func (c *cursor) f64() (uint64, error) {
	b, err := c.bytes(8)
	if err != nil {
		return 0, err
	}
	lo := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24
	hi := uint64(b[4]) | uint64(b[5])<<8 | uint64(b[6])<<16 | uint64(b[7])<<24
	return lo | hi<<32, nil
}

// count reads a vector length and rejects lengths that cannot fit in the
// remaining bytes, given each element takes at least minSize bytes. This
// keeps hostile lengths from driving huge allocations.
func (c *cursor) count(minSize int) (int, error) {
	off := c.offset()
	n, err := c.u32()
	if err != nil {
		return 0, err
	}
	if minSize > 0 && uint64(n)*uint64(minSize) > uint64(len(c.buf)-c.pos) {
		return 0, c.errEnd(off)
	}
	return int(n), nil
}

func (c *cursor) name() (string, error) {
	n, err := c.u32()
	if err != nil {
		return "", err
	}
	off := c.offset()
	if uint64(n) > uint64(len(c.buf)-c.pos) {
		return "", c.errAt(off, "length out of bounds")
	}
	b, _ := c.bytes(int(n))
	if !utf8.Valid(b) {
		return "", c.errAt(off, msgBadUTF8)
	}
	return string(b), nil
}
