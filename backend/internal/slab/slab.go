// Package slab hands out a backend's instruction storage in chunks that
// are reused from one function to the next: a function's machine code is
// emitted before the next one is selected, so its chunks are free again
// by then. Reusing them keeps large functions from allocating (and the GC
// from clearing and scanning) fresh instruction arrays every time.
package slab

// Slab is the storage of one kind of element. The zero value is ready to
// use, with chunks of at least FirstChunk elements.
type Slab[T any] struct {
	chunks [][]T
	next   int // index of the next chunk to hand out
	cur    []T // the rest of the current chunk
	last   []T // the current chunk from the start of the last take
	// First is the size of the first chunk; 0 means FirstChunk.
	First int
}

// FirstChunk is the size of a Slab's first chunk by default; each further
// chunk doubles the last.
const FirstChunk = 2048

// Reset makes every chunk available again: what was taken before must no
// longer be used.
func (s *Slab[T]) Reset() { s.next, s.cur, s.last = 0, nil, nil }

// Take returns an empty slice with room for n elements (appending beyond
// n moves it to the heap).
func (s *Slab[T]) Take(n int) []T {
	if n > len(s.cur) {
		for s.next < len(s.chunks) && cap(s.chunks[s.next]) < n {
			s.next++
		}
		if s.next == len(s.chunks) {
			size := FirstChunk
			if s.First > 0 {
				size = s.First
			}
			if k := len(s.chunks); k > 0 {
				size = 2 * cap(s.chunks[k-1])
			}
			s.chunks = append(s.chunks, make([]T, max(n, size)))
		}
		s.cur = s.chunks[s.next]
		s.next++
	}
	b := s.cur[:0:n]
	s.last, s.cur = s.cur, s.cur[n:]
	return b
}

// Grow returns b, taken from s, with room for at least n more elements.
// The storage taken last grows in place while its chunk has room: the
// block being filled is usually the newest, and moving it would leave its
// old storage unused until the next function.
func (s *Slab[T]) Grow(b []T, n int) []T {
	if cap(b)-len(b) >= n {
		return b
	}
	want := max(len(b)+n, 2*cap(b)+8)
	if cap(b) > 0 && len(s.last) >= want && &b[:1][0] == &s.last[0] {
		b = s.last[:len(b):want]
		s.cur = s.last[want:]
		return b
	}
	return append(s.Take(want), b...)
}

// Trim gives the unused end of b back to s when b is the storage taken
// last, and returns b; a block that is left for another keeps only a
// little room for the register allocator's moves.
func (s *Slab[T]) Trim(b []T) []T {
	if cap(b) == 0 || len(s.last) == 0 || &b[:1][0] != &s.last[0] {
		return b
	}
	keep := min(cap(b), len(b)+len(b)/8+2)
	s.cur = s.last[keep:]
	return b[:len(b):keep]
}
