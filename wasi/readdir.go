package wasi

import (
	"context"
	"encoding/binary"
	"syscall"
)

// dirState caches one directory listing so that cookies stay stable while
// the guest pages through it: cookie i names entry i, and every entry's
// d_next is its index plus one. Cookie 0 rereads the directory, which is
// what rewinddir does.
type dirState struct {
	entries []dirent
}

type dirent struct {
	ino  uint64
	typ  uint8
	name string
}

func readDirents(fd int) ([]dirent, error) {
	if _, err := syscall.Seek(fd, 0, 0); err != nil {
		return nil, err
	}
	var out []dirent
	buf := make([]byte, 8192)
	for {
		n, err := retryEINTR(func() (int, error) { return syscall.Getdents(fd, buf) })
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return out, nil
		}
		// struct linux_dirent64: ino u64, off s64, reclen u16, type u8, name.
		for b := buf[:n]; len(b) >= 19; {
			reclen := int(binary.LittleEndian.Uint16(b[16:]))
			if reclen < 19 || reclen > len(b) {
				return nil, syscall.EIO
			}
			name := b[19:reclen]
			for i, c := range name {
				if c == 0 {
					name = name[:i]
					break
				}
			}
			out = append(out, dirent{ino: binary.LittleEndian.Uint64(b), typ: direntType(b[18]), name: string(name)})
			b = b[reclen:]
		}
	}
}

func (h *Host) fdReaddir(_ context.Context, m mem, s []uint64) Errno {
	e, errno := h.get(uint32(s[0]))
	if errno != errnoSuccess {
		return errno
	}
	if e.filetype != filetypeDirectory {
		return errnoNotdir
	}
	if e.rightsBase&rightFdReaddir == 0 {
		return errnoNotcapable
	}
	buf, ok := m.slice(uint32(s[1]), uint32(s[2]))
	if !ok {
		return errnoFault
	}
	cookie, usedPtr := s[3], uint32(s[4])
	if _, ok := m.slice(usedPtr, 4); !ok {
		return errnoFault
	}
	if cookie == 0 || e.dir == nil {
		ents, err := readDirents(e.hostFd)
		if err != nil {
			return toErrno(err)
		}
		e.dir = &dirState{entries: ents}
	}
	used := 0
	var hdr [direntSize]byte
	for i := cookie; i < uint64(len(e.dir.entries)) && used < len(buf); i++ {
		d := e.dir.entries[i]
		binary.LittleEndian.PutUint64(hdr[0:], i+1)
		binary.LittleEndian.PutUint64(hdr[8:], d.ino)
		binary.LittleEndian.PutUint32(hdr[16:], uint32(len(d.name)))
		hdr[20] = d.typ
		// The last entry may be cut short; a full buffer tells the guest
		// to call again with a larger one from this entry's cookie.
		used += copy(buf[used:], hdr[:])
		used += copy(buf[used:], d.name)
	}
	m.putU32(usedPtr, uint32(used))
	return errnoSuccess
}
