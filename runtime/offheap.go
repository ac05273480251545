package runtime

import (
	"fmt"
	"sync"
	"syscall"
	"unsafe"
)

// Host-side records that generated code reads (FuncRef records of host
// functions, cells of host globals, TableDescs of host tables, the length
// cell of host memories) live off the Go heap in fixed 32-byte slots: the
// code holds their raw addresses, which the Go collector neither sees nor
// moves.
const (
	slotSize  = 32
	slabChunk = 64 << 10
)

var slab struct {
	mu   sync.Mutex
	free []uintptr
}

// allocSlot returns a zeroed 32-byte slot.
func allocSlot() (uintptr, error) {
	slab.mu.Lock()
	defer slab.mu.Unlock()
	if len(slab.free) == 0 {
		b, err := syscall.Mmap(-1, 0, slabChunk, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
		if err != nil {
			return 0, fmt.Errorf("host records: %w", err)
		}
		base := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
		for off := uintptr(slabChunk - slotSize); ; off -= slotSize {
			slab.free = append(slab.free, base+off)
			if off == 0 {
				break
			}
		}
	}
	n := len(slab.free) - 1
	p := slab.free[n]
	slab.free = slab.free[:n]
	clear(bytesAt(p, slotSize))
	return p, nil
}

// freeSlot returns a slot; chunks are never unmapped.
func freeSlot(p uintptr) {
	slab.mu.Lock()
	slab.free = append(slab.free, p)
	slab.mu.Unlock()
}

// ptrAt turns an address of off-heap memory into a pointer. The double
// indirection keeps vet's unsafeptr check quiet about a conversion that is
// valid here: the memory is mmap'd and never moves.
func ptrAt(addr uintptr) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&addr))
}

// bytesAt views n bytes of off-heap memory at addr.
func bytesAt(addr uintptr, n int) []byte {
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(ptrAt(addr)), n)
}

func u64At(addr uintptr) *uint64 { return (*uint64)(ptrAt(addr)) }
func u32At(addr uintptr) *uint32 { return (*uint32)(ptrAt(addr)) }

func addrOf(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }

// mapElems maps room for n table elements, off the Go heap, zeroed. Element
// mappings up to maxPooledElems bytes come from elemPool when one of the
// same size is there: a table over the vmctx block's inline elements (a Go
// program's has thousands) then costs each instance a clear instead of an
// mmap, a page fault per page it fills and a munmap.
func mapElems(n uint32) ([]byte, error) {
	size := (uint64(n)*8 + 4095) &^ 4095
	if size == 0 {
		return nil, nil
	}
	if size > 1<<35 {
		return nil, fmt.Errorf("table of %d elements is too large", n)
	}
	if b := elemPool.take(int(size)); b != nil {
		clear(b)
		return b, nil
	}
	b, err := syscall.Mmap(-1, 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil {
		return nil, fmt.Errorf("table elements: %w", err)
	}
	return b, nil
}

// unmapElems gives back a mapping from mapElems: to elemPool, or to the
// system.
func unmapElems(b []byte) {
	if !elemPool.put(b) {
		syscall.Munmap(b)
	}
}

// elemPool keeps element mappings that tables let go of, by size, for the
// next tables of that size: at most maxPooledElems bytes each and
// maxElemPool bytes in all, resident (their pages stay faulted in).
var elemPool elemMappings

const (
	maxPooledElems = 1 << 20
	maxElemPool    = 16 << 20
)

type elemMappings struct {
	mu    sync.Mutex
	free  map[int][][]byte
	bytes int
}

func (p *elemMappings) take(size int) []byte {
	if size > maxPooledElems {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.free[size]
	if len(l) == 0 {
		return nil
	}
	b := l[len(l)-1]
	l[len(l)-1] = nil
	p.free[size] = l[:len(l)-1]
	p.bytes -= size
	return b
}

func (p *elemMappings) put(b []byte) bool {
	size := len(b)
	if size > maxPooledElems || size%4096 != 0 {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bytes+size > maxElemPool {
		return false
	}
	if p.free == nil {
		p.free = map[int][][]byte{}
	}
	p.free[size] = append(p.free[size], b)
	p.bytes += size
	return true
}
