package wasi

import (
	"context"
	"errors"
	"io"
	"math"
	"syscall"
)

func (h *Host) fdAdvise(_ context.Context, _ mem, s []uint64) Errno {
	e, errno := h.getRights(uint32(s[0]), rightFdAdvise)
	if errno != errnoSuccess {
		return errno
	}
	off, n, advice := s[1], s[2], uint32(s[3])
	if advice > 5 || off > math.MaxInt64 || n > math.MaxInt64 {
		return errnoInval
	}
	if e.filetype == filetypeDirectory {
		return errnoSuccess // advice is only a hint
	}
	// WASI advice values match Linux POSIX_FADV_* one to one.
	return toErrno(fadvise(e.hostFd, int64(off), int64(n), int(advice)))
}

func (h *Host) fdAllocate(_ context.Context, _ mem, s []uint64) Errno {
	e, errno := h.getRights(uint32(s[0]), rightFdAllocate)
	if errno != errnoSuccess {
		return errno
	}
	off, n := s[1], s[2]
	if n == 0 || off > math.MaxInt64 || n > math.MaxInt64 || off+n > math.MaxInt64 {
		return errnoInval
	}
	if e.readOnly {
		return errnoRofs
	}
	if e.filetype != filetypeRegularFile {
		return errnoBadf
	}
	err := syscall.Fallocate(e.hostFd, 0, int64(off), int64(n))
	if errors.Is(err, syscall.EOPNOTSUPP) {
		// File systems without fallocate: extend the size, which is all
		// posix_fallocate promises a guest.
		var st syscall.Stat_t
		if err = syscall.Fstat(e.hostFd, &st); err == nil && uint64(st.Size) < off+n {
			err = syscall.Ftruncate(e.hostFd, int64(off+n))
		}
	}
	return toErrno(err)
}

func (h *Host) fdClose(_ context.Context, _ mem, s []uint64) Errno {
	e, errno := h.remove(uint32(s[0]))
	if errno != errnoSuccess {
		return errno
	}
	return toErrno(e.close())
}

func (h *Host) fdDatasync(_ context.Context, _ mem, s []uint64) Errno {
	e, errno := h.getRights(uint32(s[0]), rightFdDatasync)
	if errno != errnoSuccess {
		return errno
	}
	return toErrno(syscall.Fdatasync(e.hostFd))
}

func (h *Host) fdSync(_ context.Context, _ mem, s []uint64) Errno {
	e, errno := h.getRights(uint32(s[0]), rightFdSync)
	if errno != errnoSuccess {
		return errno
	}
	return toErrno(syscall.Fsync(e.hostFd))
}

func (h *Host) fdFdstatGet(_ context.Context, m mem, s []uint64) Errno {
	e, errno := h.get(uint32(s[0]))
	if errno != errnoSuccess {
		return errno
	}
	ptr := uint32(s[1])
	b, ok := m.slice(ptr, fdstatSize)
	if !ok {
		return errnoFault
	}
	clear(b)
	b[0] = e.filetype
	b[2], b[3] = byte(e.fdflags), byte(e.fdflags>>8)
	m.putU64(ptr+8, e.rightsBase)
	m.putU64(ptr+16, e.rightsInherit)
	return errnoSuccess
}

func (h *Host) fdFdstatSetFlags(_ context.Context, _ mem, s []uint64) Errno {
	e, errno := h.getRights(uint32(s[0]), rightFdFdstatSetFlags)
	if errno != errnoSuccess {
		return errno
	}
	flags := uint16(s[1])
	if uint32(s[1]) > 0x1f {
		return errnoInval
	}
	const syncFlags = fdflagDsync | fdflagRsync | fdflagSync
	if flags&syncFlags != e.fdflags&syncFlags {
		return errnoNotsup // Linux cannot change O_SYNC on an open file
	}
	if e.hostFd >= 0 && e.reader == nil && e.writer == nil && e.listener == nil {
		fl, err := fcntl(e.hostFd, syscall.F_GETFL, 0)
		if err != nil {
			return toErrno(err)
		}
		fl &^= syscall.O_APPEND | syscall.O_NONBLOCK
		if flags&fdflagAppend != 0 {
			fl |= syscall.O_APPEND
		}
		if flags&fdflagNonblock != 0 {
			fl |= syscall.O_NONBLOCK
		}
		if _, err := fcntl(e.hostFd, syscall.F_SETFL, fl); err != nil {
			return toErrno(err)
		}
	}
	// Host stdio and listeners keep their host flags; the guest's view is
	// recorded so fdstat reports what it set.
	e.fdflags = flags
	return errnoSuccess
}

func fcntl(fd, cmd, arg int) (int, error) {
	r, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), uintptr(cmd), uintptr(arg))
	return int(r), errnoErr(e)
}

func (h *Host) fdFdstatSetRights(_ context.Context, _ mem, s []uint64) Errno {
	e, errno := h.get(uint32(s[0]))
	if errno != errnoSuccess {
		return errno
	}
	base, inherit := s[1], s[2]
	if base&^e.rightsBase != 0 || inherit&^e.rightsInherit != 0 {
		return errnoNotcapable // rights can only shrink
	}
	e.rightsBase, e.rightsInherit = base, inherit
	return errnoSuccess
}

func (h *Host) fdFilestatGet(_ context.Context, m mem, s []uint64) Errno {
	e, errno := h.getRights(uint32(s[0]), rightFdFilestatGet)
	if errno != errnoSuccess {
		return errno
	}
	ptr := uint32(s[1])
	var st syscall.Stat_t
	if e.hostFd >= 0 {
		if err := syscall.Fstat(e.hostFd, &st); err != nil {
			return toErrno(err)
		}
	}
	if !putFilestat(m, ptr, &st) {
		return errnoFault
	}
	if e.hostFd < 0 {
		m[ptr+16] = e.filetype
	}
	return errnoSuccess
}

func (h *Host) fdFilestatSetSize(_ context.Context, _ mem, s []uint64) Errno {
	e, errno := h.getRights(uint32(s[0]), rightFdFilestatSetSize)
	if errno != errnoSuccess {
		return errno
	}
	if s[1] > math.MaxInt64 {
		return errnoInval
	}
	if e.readOnly {
		return errnoRofs
	}
	if e.filetype == filetypeDirectory {
		return errnoIsdir
	}
	return toErrno(syscall.Ftruncate(e.hostFd, int64(s[1])))
}

// timespecs converts fd/path_filestat_set_times arguments.
func timespecs(atim, mtim uint64, fst uint16) (*[2]syscall.Timespec, Errno) {
	if fst&^(fstAtim|fstAtimNow|fstMtim|fstMtimNow) != 0 ||
		fst&(fstAtim|fstAtimNow) == fstAtim|fstAtimNow ||
		fst&(fstMtim|fstMtimNow) == fstMtim|fstMtimNow {
		return nil, errnoInval
	}
	one := func(t uint64, set, now uint16) syscall.Timespec {
		switch {
		case fst&now != 0:
			return syscall.Timespec{Nsec: utimeNow}
		case fst&set != 0:
			return syscall.NsecToTimespec(int64(t))
		}
		return syscall.Timespec{Nsec: utimeOmit}
	}
	return &[2]syscall.Timespec{one(atim, fstAtim, fstAtimNow), one(mtim, fstMtim, fstMtimNow)}, errnoSuccess
}

func (h *Host) fdFilestatSetTimes(_ context.Context, _ mem, s []uint64) Errno {
	e, errno := h.getRights(uint32(s[0]), rightFdFilestatSetTimes)
	if errno != errnoSuccess {
		return errno
	}
	ts, errno := timespecs(s[1], s[2], uint16(s[3]))
	if errno != errnoSuccess {
		return errno
	}
	if e.readOnly {
		return errnoRofs
	}
	if e.hostFd < 0 {
		return errnoBadf
	}
	return toErrno(utimensat(e.hostFd, "", ts, atEmptyPath))
}

func (h *Host) fdPrestatGet(_ context.Context, m mem, s []uint64) Errno {
	e, errno := h.get(uint32(s[0]))
	if errno != errnoSuccess {
		return errno
	}
	if e.preopen == "" {
		return errnoBadf
	}
	ptr := uint32(s[1])
	if _, ok := m.slice(ptr, 8); !ok {
		return errnoFault
	}
	m.putU32(ptr, 0) // tag: preopentype dir
	m.putU32(ptr+4, uint32(len(e.preopen)))
	return errnoSuccess
}

func (h *Host) fdPrestatDirName(_ context.Context, m mem, s []uint64) Errno {
	e, errno := h.get(uint32(s[0]))
	if errno != errnoSuccess {
		return errno
	}
	if e.preopen == "" {
		return errnoBadf
	}
	b, ok := m.slice(uint32(s[1]), uint32(s[2]))
	if !ok {
		return errnoFault
	}
	if len(b) < len(e.preopen) {
		return errnoNametoolong
	}
	copy(b, e.preopen)
	return errnoSuccess
}

// readable returns the entry for fd_read/fd_pread. A directory answers
// EISDIR, as read(2) does, rather than lacking the right.
func (h *Host) readable(fd uint32, need uint64) (*fileEntry, Errno) {
	e, errno := h.get(fd)
	if errno == errnoSuccess && e.filetype == filetypeDirectory {
		return nil, errnoIsdir
	}
	return h.getRights(fd, need)
}

func (h *Host) fdRead(ctx context.Context, m mem, s []uint64) Errno {
	e, errno := h.readable(uint32(s[0]), rightFdRead)
	if errno != errnoSuccess {
		return errno
	}
	if e.mayBlock() {
		if errno := h.waitFd(ctx, e.hostFd, pollIn); errno != errnoSuccess {
			return errno
		}
	}
	return readInto(m, s, 3, func(iovs [][]byte) (int, Errno) { return e.readv(iovs) })
}

func (h *Host) fdPread(_ context.Context, m mem, s []uint64) Errno {
	e, errno := h.readable(uint32(s[0]), rightFdRead|rightFdSeek)
	if errno != errnoSuccess {
		return errno
	}
	off := s[3]
	if off > math.MaxInt64 {
		return errnoInval
	}
	return readInto(m, s, 4, func(iovs [][]byte) (int, Errno) {
		if e.hostFd < 0 || e.reader != nil || e.writer != nil {
			return 0, errnoSpipe
		}
		return preadv(e.hostFd, iovs, int64(off))
	})
}

// readInto resolves the iovecs in s[1], s[2], checks the result pointer in
// s[resultIdx] before any data moves, runs io and stores the count.
func readInto(m mem, s []uint64, resultIdx int, io func([][]byte) (int, Errno)) Errno {
	iovs, errno := m.iovecs(uint32(s[1]), uint32(s[2]))
	if errno != errnoSuccess {
		return errno
	}
	resPtr := uint32(s[resultIdx])
	if _, ok := m.slice(resPtr, 4); !ok {
		return errnoFault
	}
	n, errno := io(iovs)
	if errno != errnoSuccess {
		return errno
	}
	m.putU32(resPtr, uint32(n))
	return errnoSuccess
}

func (e *fileEntry) readv(iovs [][]byte) (int, Errno) {
	if e.filetype == filetypeDirectory {
		return 0, errnoIsdir
	}
	if e.reader != nil {
		for _, b := range iovs {
			if len(b) == 0 {
				continue
			}
			// One Read per call: a second one could block although data
			// was already delivered.
			for {
				n, err := e.reader.Read(b)
				if n > 0 {
					return n, errnoSuccess
				}
				if err == io.EOF {
					return 0, errnoSuccess
				}
				if err != nil {
					return 0, toErrno(err)
				}
			}
		}
		return 0, errnoSuccess
	}
	total := 0
	for _, b := range iovs {
		if len(b) == 0 {
			continue
		}
		n, err := retryEINTR(func() (int, error) { return syscall.Read(e.hostFd, b) })
		if err != nil {
			if total > 0 {
				break
			}
			return 0, toErrno(err)
		}
		total += n
		if n < len(b) {
			break
		}
	}
	return total, errnoSuccess
}

func preadv(fd int, iovs [][]byte, off int64) (int, Errno) {
	total := 0
	for _, b := range iovs {
		if len(b) == 0 {
			continue
		}
		n, err := retryEINTR(func() (int, error) { return syscall.Pread(fd, b, off+int64(total)) })
		if err != nil {
			if total > 0 {
				break
			}
			return 0, toErrno(err)
		}
		total += n
		if n < len(b) {
			break
		}
	}
	return total, errnoSuccess
}

func retryEINTR(f func() (int, error)) (int, error) {
	for {
		n, err := f()
		if err != syscall.EINTR {
			if n < 0 {
				n = 0
			}
			return n, err
		}
	}
}

func (h *Host) fdWrite(_ context.Context, m mem, s []uint64) Errno {
	e, errno := h.getRights(uint32(s[0]), rightFdWrite)
	if errno != errnoSuccess {
		return errno
	}
	return readInto(m, s, 3, func(iovs [][]byte) (int, Errno) { return e.writev(iovs) })
}

func (h *Host) fdPwrite(_ context.Context, m mem, s []uint64) Errno {
	e, errno := h.getRights(uint32(s[0]), rightFdWrite|rightFdSeek)
	if errno != errnoSuccess {
		return errno
	}
	off := s[3]
	if off > math.MaxInt64 {
		return errnoInval
	}
	return readInto(m, s, 4, func(iovs [][]byte) (int, Errno) {
		if e.hostFd < 0 || e.reader != nil || e.writer != nil {
			return 0, errnoSpipe
		}
		total := 0
		for _, b := range iovs {
			n, err := retryEINTR(func() (int, error) { return syscall.Pwrite(e.hostFd, b, int64(off)+int64(total)) })
			total += n
			if err != nil {
				if total > 0 {
					break
				}
				return 0, toErrno(err)
			}
			if n < len(b) {
				break
			}
		}
		return total, errnoSuccess
	})
}

func (e *fileEntry) writev(iovs [][]byte) (int, Errno) {
	if e.filetype == filetypeDirectory {
		return 0, errnoBadf
	}
	total := 0
	for _, b := range iovs {
		if len(b) == 0 {
			continue
		}
		var n int
		var err error
		if e.writer != nil {
			n, err = e.writer.Write(b)
		} else {
			n, err = retryEINTR(func() (int, error) { return syscall.Write(e.hostFd, b) })
		}
		total += n
		if err != nil {
			if total > 0 {
				break
			}
			return 0, toErrno(err)
		}
		if n < len(b) {
			break
		}
	}
	return total, errnoSuccess
}

func (h *Host) fdRenumber(_ context.Context, _ mem, s []uint64) Errno {
	from, to := uint32(s[0]), uint32(s[1])
	h.mu.Lock()
	defer h.mu.Unlock()
	n := uint64(len(h.fds))
	if uint64(from) >= n || h.fds[from] == nil || uint64(to) >= n || h.fds[to] == nil {
		return errnoBadf
	}
	if from == to {
		return errnoSuccess
	}
	old := h.fds[to]
	h.fds[to], h.fds[from] = h.fds[from], nil
	return toErrno(old.close())
}

func (h *Host) fdSeek(_ context.Context, m mem, s []uint64) Errno {
	off, whence, ptr := int64(s[1]), uint32(s[2]), uint32(s[3])
	need := rightFdSeek
	if off == 0 && whence == 1 {
		need = rightFdTell
	}
	e, errno := h.seekable(uint32(s[0]), need)
	if errno != errnoSuccess {
		return errno
	}
	if whence > 2 {
		return errnoInval
	}
	if _, ok := m.slice(ptr, 8); !ok {
		return errnoFault
	}
	if e.hostFd < 0 || e.reader != nil || e.writer != nil || e.filetype == filetypeSocketStream {
		return errnoSpipe
	}
	// WASI whence values equal SEEK_SET/CUR/END.
	pos, err := syscall.Seek(e.hostFd, off, int(whence))
	if err != nil {
		return toErrno(err)
	}
	m.putU64(ptr, uint64(pos))
	return errnoSuccess
}

// seekable returns the entry for fd_seek/fd_tell. A directory is EBADF,
// as lseek has no meaning there (and Wasmtime says so), rather than lacking
// the right.
func (h *Host) seekable(fd uint32, need uint64) (*fileEntry, Errno) {
	e, errno := h.get(fd)
	if errno == errnoSuccess && e.filetype == filetypeDirectory {
		return nil, errnoBadf
	}
	return h.getRights(fd, need)
}

func (h *Host) fdTell(ctx context.Context, m mem, s []uint64) Errno {
	e, errno := h.seekable(uint32(s[0]), rightFdTell)
	if errno != errnoSuccess {
		return errno
	}
	ptr := uint32(s[1])
	if _, ok := m.slice(ptr, 8); !ok {
		return errnoFault
	}
	if e.hostFd < 0 || e.reader != nil || e.writer != nil || e.filetype == filetypeSocketStream {
		return errnoSpipe
	}
	pos, err := syscall.Seek(e.hostFd, 0, 1)
	if err != nil {
		return toErrno(err)
	}
	m.putU64(ptr, uint64(pos))
	return errnoSuccess
}
