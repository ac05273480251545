package opt

import (
	"sync"

	"github.com/wasiaot/wasiaot/compiler/ssa"
)

// scratch holds side tables that passes reuse from one function to the
// next (and from one pass to the next) instead of allocating them each
// time: the pipeline runs a dozen passes per round over every function,
// and their tables would otherwise dominate the garbage produced.
// A pass takes one with getScratch and hands it back with release; what
// it returns to the caller must not point into it.
type scratch struct {
	ids   [2][]ssa.ID
	bools [2][]bool
	i32s  [3][]int32
	i8s   []int8
	edges []*ssa.Edge
	bids  [3][]ssa.BlockID
	// blocks and values are cleared before they go back to the pool.
	blocks []*ssa.Block
	values []*ssa.Value
	order  ssa.OrderBuf
	dom    ssa.DomTree
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func (s *scratch) release() { scratchPool.Put(s) }

// zeroed returns buf resized to n zero elements, reusing its storage.
func zeroed[T any](buf *[]T, n int) []T {
	if cap(*buf) < n {
		*buf = make([]T, n, n+n/4)
	}
	s := (*buf)[:n]
	clear(s)
	return s
}

// inEdges lists, by target block ID, the edges of all blocks, in one flat
// array.
type inEdges struct {
	start []int32 // edges of block b: list[start[b]:start[b+1]]
	list  []*ssa.Edge
}

func (in *inEdges) of(b ssa.BlockID) []*ssa.Edge { return in.list[in.start[b]:in.start[b+1]] }

// incomingEdges fills the incoming edges of f from s's buffers.
func incomingEdges(f *ssa.Func, s *scratch) inEdges {
	start := zeroed(&s.i32s[1], f.NumBlocks()+1)
	n := 0
	for _, b := range f.Blocks {
		for _, e := range b.Succs {
			start[e.Block+1]++
			n++
		}
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	list := zeroed(&s.edges, n)
	// Fill from the back so that start ends up right without a copy.
	for bi := len(f.Blocks) - 1; bi >= 0; bi-- {
		b := f.Blocks[bi]
		for i := len(b.Succs) - 1; i >= 0; i-- {
			t := b.Succs[i].Block
			start[t+1]--
			list[start[t+1]] = &b.Succs[i]
		}
	}
	// start[t+1] now holds the first edge of t; shift back by one.
	copy(start, start[1:])
	start[len(start)-1] = int32(n)
	return inEdges{start: start, list: list}
}
