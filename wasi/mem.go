package wasi

import "encoding/binary"

// mem is the guest memory seen by one host call. Every accessor checks
// bounds in 64-bit arithmetic, so a hostile pointer/length pair yields
// EFAULT and never touches host memory outside the slice.
type mem []byte

func (m mem) slice(ptr, n uint32) ([]byte, bool) {
	end := uint64(ptr) + uint64(n)
	if end > uint64(len(m)) {
		return nil, false
	}
	return m[ptr:end:end], true
}

func (m mem) putU32(ptr, v uint32) bool {
	b, ok := m.slice(ptr, 4)
	if ok {
		binary.LittleEndian.PutUint32(b, v)
	}
	return ok
}

func (m mem) putU64(ptr uint32, v uint64) bool {
	b, ok := m.slice(ptr, 8)
	if ok {
		binary.LittleEndian.PutUint64(b, v)
	}
	return ok
}

// iovecs resolves an array of (buf, len) pairs into guest slices. The
// pointers are validated before anything is read or written.
func (m mem) iovecs(ptr, count uint32) ([][]byte, Errno) {
	if uint64(count)*iovecSize > uint64(len(m)) {
		return nil, errnoFault
	}
	arr, ok := m.slice(ptr, count*iovecSize)
	if !ok {
		return nil, errnoFault
	}
	out := make([][]byte, count)
	var total uint64
	for i := range out {
		base := binary.LittleEndian.Uint32(arr[i*8:])
		n := binary.LittleEndian.Uint32(arr[i*8+4:])
		b, ok := m.slice(base, n)
		if !ok {
			return nil, errnoFault
		}
		total += uint64(n)
		out[i] = b
	}
	// ssize_t results must fit in the i32 the guest reads back.
	if total > 1<<31-1 {
		return nil, errnoInval
	}
	return out, errnoSuccess
}

// path reads a guest path string.
func (m mem) path(ptr, n uint32) (string, Errno) {
	b, ok := m.slice(ptr, n)
	if !ok {
		return "", errnoFault
	}
	for _, c := range b {
		if c == 0 {
			return "", errnoInval
		}
	}
	return string(b), errnoSuccess
}
