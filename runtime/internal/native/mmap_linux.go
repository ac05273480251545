package native

import (
	"errors"
	"fmt"
	"syscall"
	"unsafe"
)

const pageSize = 4096

// reserve maps size bytes of inaccessible address space that costs no
// memory until parts of it are made accessible. Its error says what the
// space was for (why) and, when the process's address space is limited,
// the limit, since that is the usual cause (ulimit -v).
func reserve(size uintptr, why string) ([]byte, error) {
	b, err := syscall.Mmap(-1, 0, int(size), syscall.PROT_NONE,
		syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil {
		msg := fmt.Sprintf("cannot reserve %s of address space for %s: %v", byteSize(uint64(size)), why, err)
		var lim syscall.Rlimit
		if syscall.Getrlimit(syscall.RLIMIT_AS, &lim) == nil && lim.Cur != ^uint64(0) {
			msg += fmt.Sprintf(" (the process's address space is limited to %s by RLIMIT_AS, ulimit -v: raise the limit, or run fewer instances at once)", byteSize(lim.Cur))
		}
		return nil, errors.New(msg)
	}
	return b, nil
}

// byteSize formats n bytes in the largest binary unit that divides it, or
// with one decimal.
func byteSize(n uint64) string {
	for _, u := range []struct {
		shift uint
		name  string
	}{{40, "TiB"}, {30, "GiB"}, {20, "MiB"}, {10, "KiB"}} {
		if n >= 1<<u.shift {
			if n%(1<<u.shift) == 0 {
				return fmt.Sprintf("%d %s", n>>u.shift, u.name)
			}
			return fmt.Sprintf("%.1f %s", float64(n)/float64(uint64(1)<<u.shift), u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
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
