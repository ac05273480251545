package native

import (
	"sync"
	"syscall"
)

// freed keeps the mappings of closed Contexts (vmctx blocks) and of freed
// native stacks for the next ones, process-wide. Mapping them costs system
// calls and first-touch page faults, and unmapping them a TLB shootdown
// across every CPU the process ran on; a Runtime or Module made per request
// would pay all of it on every instantiation.
var freed struct {
	mu     sync.Mutex
	blocks map[int][][]byte // vmctx blocks by size
	stacks map[int][][]byte // stacks (guard and usable part) by size
	code   map[int][][]byte // code pages of released LoadCode images, read+write, by size
	n      int

	codeBytes int // in code
}

// maxFreedCode bounds the bytes of released code pages kept for LoadCode,
// and maxFreedCodeEach one image's.
const maxFreedCode, maxFreedCodeEach = 16 << 20, 1 << 20

// keepFreedCode makes the released code pages b writable and keeps them for
// copyCode, if they fit the budget.
func keepFreedCode(b []byte) bool {
	freed.mu.Lock()
	fits := len(b) <= maxFreedCodeEach && freed.codeBytes+len(b) <= maxFreedCode && freed.n < maxFreed
	if fits {
		freed.codeBytes += len(b) // reserved while unlocked
	}
	freed.mu.Unlock()
	if !fits {
		return false
	}
	ok := protect(b, syscall.PROT_READ|syscall.PROT_WRITE) == nil && keepFreed(&freed.code, b)
	if !ok {
		freed.mu.Lock()
		freed.codeBytes -= len(b)
		freed.mu.Unlock()
	}
	return ok
}

// takeFreedCode returns kept code pages of exactly size bytes, writable,
// or nil.
func takeFreedCode(size int) []byte {
	b := takeFreed(freed.code, size)
	if b != nil {
		freed.mu.Lock()
		freed.codeBytes -= len(b)
		freed.mu.Unlock()
	}
	return b
}

// maxFreed bounds the mappings kept. Their pages stay resident, so this is
// also a bound on the memory held for nobody.
const maxFreed = 64

// takeFreed returns a kept mapping of exactly size bytes from m, or nil.
func takeFreed(m map[int][][]byte, size int) []byte {
	freed.mu.Lock()
	defer freed.mu.Unlock()
	l := m[size]
	if len(l) == 0 {
		return nil
	}
	b := l[len(l)-1]
	m[size] = l[:len(l)-1]
	freed.n--
	return b
}

// keepFreed puts b in *m and reports whether there was room.
func keepFreed(m *map[int][][]byte, b []byte) bool {
	freed.mu.Lock()
	defer freed.mu.Unlock()
	if freed.n >= maxFreed {
		return false
	}
	if *m == nil {
		*m = map[int][][]byte{}
	}
	(*m)[len(b)] = append((*m)[len(b)], b)
	freed.n++
	return true
}
