package native

import (
	"errors"
	"sync"
	"syscall"
	"unsafe"
)

// pagemapBatch is the most pages readPagemap reads: one pread of 4 KiB.
const pagemapBatch = 512

// Bits of a /proc/self/pagemap entry (Documentation/admin-guide/mm/pagemap.rst).
const (
	pagemapPresent = 1 << 63
	pagemapSwapped = 1 << 62
)

// pagemapFD is /proc/self/pagemap, opened once for the life of the
// process, or -1 where it cannot be read.
var pagemapFD = sync.OnceValue(func() int {
	fd, err := syscall.Open("/proc/self/pagemap", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	return fd
})

// readPagemap sets vec[i] to the state of page i of b (at most
// pagemapBatch pages) from the page table entries the kernel reports.
func readPagemap(fd int, b []byte, vec []byte) error {
	var buf [pagemapBatch]uint64
	ents := buf[:len(vec)]
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&buf[0])), 8*len(ents))
	off := int64(addrOf(b)/pageSize) * 8
	for n := 0; n < len(raw); {
		k, err := syscall.Pread(fd, raw[n:], off+int64(n))
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return err
		case k == 0:
			return errors.New("pagemap: short read")
		}
		n += k
	}
	for i, e := range ents {
		var st byte
		if e&pagemapPresent != 0 {
			st |= pageResident
		}
		if e&pagemapSwapped != 0 {
			st |= pageSwapped
		}
		vec[i] = st
	}
	return nil
}
