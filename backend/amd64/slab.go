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
	first  int     // size of the first chunk; 0: firstChunk
}

const firstChunk = 2048

// reset makes every chunk available again.
func (s *slab) reset() { s.next, s.cur = 0, nil }

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
	s.cur = s.cur[n:]
	return b
}
