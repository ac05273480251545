package native

import (
	"fmt"
	"syscall"
	"unsafe"
)

const pageSize = 4096

// reserve maps size bytes of inaccessible address space that costs no
// memory until parts of it are made accessible.
func reserve(size uintptr) ([]byte, error) {
	b, err := syscall.Mmap(-1, 0, int(size), syscall.PROT_NONE,
		syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil {
		return nil, fmt.Errorf("reserve %d bytes of address space: %w", size, err)
	}
	return b, nil
}

// release unmaps a region returned by reserve.
func release(b []byte) error {
	return syscall.Munmap(b)
}

// mapAnonFixed replaces b's pages with fresh zero pages of protection prot.
func mapAnonFixed(b []byte, prot int) error {
	flags := syscall.MAP_PRIVATE | syscall.MAP_ANON | syscall.MAP_FIXED
	if prot == syscall.PROT_NONE {
		flags |= syscall.MAP_NORESERVE
	}
	return mmapFixed(b, prot, flags, -1, 0)
}

// mapAnonFixedPopulated is mapAnonFixed read+write with the pages faulted
// in by the one call, for memory about to be filled: cheaper than a fault
// per page.
func mapAnonFixedPopulated(b []byte) error {
	return mmapFixed(b, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_FIXED|syscall.MAP_POPULATE, -1, 0)
}

// mapFileFixed maps len(b) bytes of fd at offset over b.
func mapFileFixed(b []byte, prot int, fd int, offset int64) error {
	return mmapFixed(b, prot, syscall.MAP_PRIVATE|syscall.MAP_FIXED, fd, offset)
}

func mmapFixed(b []byte, prot, flags, fd int, offset int64) error {
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	r, _, errno := syscall.Syscall6(syscall.SYS_MMAP, addr, uintptr(len(b)),
		uintptr(prot), uintptr(flags), uintptr(fd), uintptr(offset))
	if errno != 0 {
		return errno
	}
	if r != addr {
		return fmt.Errorf("mmap placed %#x at %#x", addr, r)
	}
	return nil
}

func protect(b []byte, prot int) error {
	if len(b) == 0 {
		return nil
	}
	return syscall.Mprotect(b, prot)
}

func addrOf(b []byte) uintptr {
	return uintptr(unsafe.Pointer(unsafe.SliceData(b)))
}

func roundUp(n, to uintptr) uintptr {
	return (n + to - 1) &^ (to - 1)
}

// mincore fills vec with one byte per page of b whose low bit says whether
// the page is resident.
func mincore(b []byte, vec []byte) error {
	_, _, errno := syscall.Syscall(syscall.SYS_MINCORE, addrOf(b), uintptr(len(b)), uintptr(unsafe.Pointer(unsafe.SliceData(vec))))
	if errno != 0 {
		return errno
	}
	return nil
}
