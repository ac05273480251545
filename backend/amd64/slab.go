package amd64

// slab hands out instruction storage in chunks that are reused from one
// function to the next: a function's machine code is emitted before the
// next one is selected, so its chunks are free again by then. Reusing
// them keeps large functions from allocating (and the GC from clearing
// and scanning) fresh instruction arrays every time.
type slab struct {
	chunks [][]Instr
	next   int     // index of the next chunk to hand out
	cur    []Instr // the rest of the current chunk
	last   []Instr // the current chunk from the start of the last take
	first  int     // size of the first chunk; 0: firstChunk
}

const firstChunk = 2048

// reset makes every chunk available again.
func (s *slab) reset() { s.next, s.cur, s.last = 0, nil, nil }

// take returns an empty slice with room for n instructions (appending
// beyond n moves it to the heap).
func (s *slab) take(n int) []Instr {
	if n > len(s.cur) {
		for s.next < len(s.chunks) && cap(s.chunks[s.next]) < n {
			s.next++
		}
		if s.next == len(s.chunks) {
			size := firstChunk
			if s.first > 0 {
				size = s.first
			}
			if k := len(s.chunks); k > 0 {
				size = 2 * cap(s.chunks[k-1])
			}
			s.chunks = append(s.chunks, make([]Instr, max(n, size)))
		}
		s.cur = s.chunks[s.next]
		s.next++
	}
	b := s.cur[:0:n]
	s.last, s.cur = s.cur, s.cur[n:]
	return b
}

// grow returns b, taken from s, with room for at least n more
// instructions. The storage taken last grows in place while its chunk
// has room: the block being filled is usually the newest, and moving it
// would leave its old storage unused until the next function.
func (s *slab) grow(b []Instr, n int) []Instr {
	if cap(b)-len(b) >= n {
		return b
	}
	want := max(len(b)+n, 2*cap(b)+8)
	if cap(b) > 0 && len(s.last) >= want && &b[:1][0] == &s.last[0] {
		b = s.last[:len(b):want]
		s.cur = s.last[want:]
		return b
	}
	return append(s.take(want), b...)
}

// trim gives the unused end of b back to s when b is the storage taken
// last, and returns b; a block that is left for another keeps only a
// little room for the allocator's moves (see Allocator.rewrite).
func (s *slab) trim(b []Instr) []Instr {
	if cap(b) == 0 || len(s.last) == 0 || &b[:1][0] != &s.last[0] {
		return b
	}
	keep := min(cap(b), len(b)+len(b)/8+2)
	s.cur = s.last[keep:]
	return b[:len(b):keep]
}
