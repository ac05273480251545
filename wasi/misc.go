package wasi

import (
	"context"
	"crypto/rand"
	"io"
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

// writeStrings implements args_get and environ_get: pointers into ptrs,
// the NUL-terminated strings into buf.
func writeStrings(m mem, data []byte, count uint32, ptrs, buf uint32) Errno {
	if uint64(count)*4 > uint64(len(m)) {
		return errnoFault
	}
	if _, ok := m.slice(ptrs, count*4); !ok {
		return errnoFault
	}
	b, ok := m.slice(buf, uint32(len(data)))
	if !ok {
		return errnoFault
	}
	copy(b, data)
	off := buf
	for i := uint32(0); i < count; i++ {
		m.putU32(ptrs+4*i, off)
		for data[off-buf] != 0 {
			off++
		}
		off++
	}
	return errnoSuccess
}

func writeSizes(m mem, count uint32, size int, countPtr, sizePtr uint32) Errno {
	if _, ok := m.slice(countPtr, 4); !ok {
		return errnoFault
	}
	if _, ok := m.slice(sizePtr, 4); !ok {
		return errnoFault
	}
	m.putU32(countPtr, count)
	m.putU32(sizePtr, uint32(size))
	return errnoSuccess
}

func (h *Host) argsGet(_ context.Context, m mem, s []uint64) Errno {
	return writeStrings(m, h.args, h.nargs, uint32(s[0]), uint32(s[1]))
}

func (h *Host) argsSizesGet(_ context.Context, m mem, s []uint64) Errno {
	return writeSizes(m, h.nargs, len(h.args), uint32(s[0]), uint32(s[1]))
}

func (h *Host) environGet(_ context.Context, m mem, s []uint64) Errno {
	return writeStrings(m, h.env, h.nenv, uint32(s[0]), uint32(s[1]))
}

func (h *Host) environSizesGet(_ context.Context, m mem, s []uint64) Errno {
	return writeSizes(m, h.nenv, len(h.env), uint32(s[0]), uint32(s[1]))
}

// now returns the value of a WASI clock in nanoseconds.
func (h *Host) now(id uint32) (uint64, Errno) {
	switch id {
	case clockRealtime:
		if h.cfg.Walltime != nil {
			sec, nsec := h.cfg.Walltime()
			return uint64(sec)*1e9 + uint64(nsec), errnoSuccess
		}
		return uint64(time.Now().UnixNano()), errnoSuccess
	case clockMonotonic:
		if h.cfg.Nanotime != nil {
			return uint64(h.cfg.Nanotime()), errnoSuccess
		}
		return uint64(time.Since(h.start)), errnoSuccess
	case clockProcessCputimeID, clockThreadCputimeID:
		// The guest runs on one goroutine that may move between OS
		// threads, so both report the CPU time of the whole process.
		return cputime(), errnoSuccess
	}
	return 0, errnoInval
}

func cputime() uint64 {
	const clockProcessCputime = 2 // CLOCK_PROCESS_CPUTIME_ID
	var ts syscall.Timespec
	syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clockProcessCputime, uintptr(unsafe.Pointer(&ts)), 0)
	return uint64(ts.Sec)*1e9 + uint64(ts.Nsec)
}

func (h *Host) clockResGet(_ context.Context, m mem, s []uint64) Errno {
	id := uint32(s[0])
	if id > clockThreadCputimeID {
		return errnoInval
	}
	// Linux clocks tick in nanoseconds (vDSO clock_gettime).
	if !m.putU64(uint32(s[1]), 1) {
		return errnoFault
	}
	return errnoSuccess
}

func (h *Host) clockTimeGet(_ context.Context, m mem, s []uint64) Errno {
	t, errno := h.now(uint32(s[0]))
	if errno != errnoSuccess {
		return errno
	}
	if !m.putU64(uint32(s[2]), t) {
		return errnoFault
	}
	return errnoSuccess
}

func (h *Host) randomGet(_ context.Context, m mem, s []uint64) Errno {
	b, ok := m.slice(uint32(s[0]), uint32(s[1]))
	if !ok {
		return errnoFault
	}
	r := h.cfg.Random
	if r == nil {
		r = rand.Reader
	}
	if _, err := io.ReadFull(r, b); err != nil {
		return errnoIo
	}
	return errnoSuccess
}

// procRaise: preview1 has no signal model worth emulating; the spec marks
// the function deprecated and runtimes answer ENOSYS.
func (h *Host) procRaise(context.Context, mem, []uint64) Errno { return errnoNosys }

func (h *Host) schedYield(context.Context, mem, []uint64) Errno {
	runtime.Gosched()
	return errnoSuccess
}
