package wasi

import (
	"context"
	"errors"
	"net"
	"syscall"
)

// Sockets: preopened listeners accept connections whose fds the host holds
// directly (not through Go's poller), so blocking and non-blocking reads
// behave exactly as the guest's fdflags say.

func newListener(l net.Listener) (*fileEntry, error) {
	sc, ok := l.(syscall.Conn)
	if !ok {
		return nil, errors.New("not supported: listener without a file descriptor")
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	fd := -1
	if err := rc.Control(func(f uintptr) { fd = int(f) }); err != nil {
		return nil, err
	}
	return &fileEntry{
		filetype:      filetypeSocketStream,
		rightsBase:    rightsListener,
		rightsInherit: rightsSock,
		hostFd:        fd,
		listener:      l,
		raw:           rc,
	}, nil
}

// sock returns a connected socket entry with the rights need.
func (h *Host) sock(fd uint32, need uint64) (*fileEntry, Errno) {
	e, errno := h.get(fd)
	if errno != errnoSuccess {
		return nil, errno
	}
	if e.filetype != filetypeSocketStream || e.listener != nil || e.hostFd < 0 {
		return nil, errnoNotsock
	}
	if e.rightsBase&need != need {
		return nil, errnoNotcapable
	}
	return e, errnoSuccess
}

func (h *Host) sockAccept(ctx context.Context, m mem, s []uint64) Errno {
	e, errno := h.get(uint32(s[0]))
	if errno != errnoSuccess {
		return errno
	}
	if e.listener == nil {
		return errnoNotsock
	}
	if e.rightsBase&rightSockAccept == 0 {
		return errnoNotcapable
	}
	flags, resPtr := uint32(s[1]), uint32(s[2])
	if flags&^uint32(fdflagNonblock) != 0 {
		return errnoInval
	}
	if _, ok := m.slice(resPtr, 4); !ok {
		return errnoFault
	}
	sockFlags := syscall.SOCK_CLOEXEC
	if flags != 0 {
		sockFlags |= syscall.SOCK_NONBLOCK
	}
	nfd, errno := h.accept(ctx, e, sockFlags, e.fdflags&fdflagNonblock == 0)
	if errno != errnoSuccess {
		return errno
	}
	ne := &fileEntry{
		filetype:      filetypeSocketStream,
		rightsBase:    e.rightsInherit & rightsSock,
		rightsInherit: e.rightsInherit & rightsSock,
		fdflags:       uint16(flags),
		hostFd:        nfd,
	}
	newFd, errno := h.insert(ne)
	if errno != errnoSuccess {
		syscall.Close(nfd)
		return errno
	}
	m.putU32(resPtr, newFd)
	return errnoSuccess
}

func (h *Host) sockRecv(ctx context.Context, m mem, s []uint64) Errno {
	e, errno := h.sock(uint32(s[0]), rightFdRead)
	if errno != errnoSuccess {
		return errno
	}
	iovs, errno := m.iovecs(uint32(s[1]), uint32(s[2]))
	if errno != errnoSuccess {
		return errno
	}
	riflags, nPtr, flagsPtr := uint32(s[3]), uint32(s[4]), uint32(s[5])
	if riflags&^uint32(riflagRecvPeek|riflagRecvWaitall) != 0 {
		return errnoInval
	}
	if _, ok := m.slice(nPtr, 4); !ok {
		return errnoFault
	}
	if _, ok := m.slice(flagsPtr, 2); !ok {
		return errnoFault
	}
	if e.mayBlock() {
		if errno := h.waitFd(ctx, e.hostFd, pollIn); errno != errnoSuccess {
			return errno
		}
	}
	var flags int
	if riflags&uint32(riflagRecvPeek) != 0 {
		flags |= syscall.MSG_PEEK
	}
	if riflags&uint32(riflagRecvWaitall) != 0 {
		flags |= syscall.MSG_WAITALL
	}
	var buf []byte
	if len(iovs) == 1 {
		buf = iovs[0]
	} else {
		size := 0
		for _, b := range iovs {
			size += len(b)
		}
		buf = make([]byte, size)
	}
	n, _, err := recvfrom(e.hostFd, buf, flags)
	if err != nil {
		return toErrno(err)
	}
	if len(iovs) != 1 {
		rest := buf[:n]
		for _, b := range iovs {
			rest = rest[copy(b, rest):]
		}
	}
	m.putU32(nPtr, uint32(n))
	m[flagsPtr], m[flagsPtr+1] = 0, 0 // roflags: no truncation on stream sockets
	return errnoSuccess
}

func recvfrom(fd int, b []byte, flags int) (int, syscall.Sockaddr, error) {
	for {
		n, from, err := syscall.Recvfrom(fd, b, flags)
		if err != syscall.EINTR {
			return max(n, 0), from, err
		}
	}
}

func (h *Host) sockSend(_ context.Context, m mem, s []uint64) Errno {
	e, errno := h.sock(uint32(s[0]), rightFdWrite)
	if errno != errnoSuccess {
		return errno
	}
	iovs, errno := m.iovecs(uint32(s[1]), uint32(s[2]))
	if errno != errnoSuccess {
		return errno
	}
	if uint32(s[3]) != 0 {
		return errnoInval // siflags defines no flags
	}
	nPtr := uint32(s[4])
	if _, ok := m.slice(nPtr, 4); !ok {
		return errnoFault
	}
	var buf []byte
	for _, b := range iovs {
		buf = append(buf, b...)
	}
	n, err := retryEINTR(func() (int, error) {
		return syscall.SendmsgN(e.hostFd, buf, nil, nil, syscall.MSG_NOSIGNAL)
	})
	if err != nil {
		return toErrno(err)
	}
	m.putU32(nPtr, uint32(n))
	return errnoSuccess
}

func (h *Host) sockShutdown(_ context.Context, _ mem, s []uint64) Errno {
	e, errno := h.sock(uint32(s[0]), rightSockShutdown)
	if errno != errnoSuccess {
		return errno
	}
	var how int
	switch uint8(s[1]) {
	case sdflagRd:
		how = syscall.SHUT_RD
	case sdflagWr:
		how = syscall.SHUT_WR
	case sdflagRd | sdflagWr:
		how = syscall.SHUT_RDWR
	default:
		return errnoInval
	}
	if uint32(s[1]) > 3 {
		return errnoInval
	}
	return toErrno(syscall.Shutdown(e.hostFd, how))
}

// accept takes one pending connection of listener e. Go's listener fd is
// non-blocking; a blocking guest waits in waitFds, since a listener's
// RawConn cannot park in Go's poller.
func (h *Host) accept(ctx context.Context, e *fileEntry, sockFlags int, wait bool) (int, Errno) {
	for {
		nfd := -1
		var aerr error
		if err := e.raw.Control(func(fd uintptr) {
			nfd, _, aerr = syscall.Accept4(int(fd), sockFlags)
		}); err != nil {
			return -1, toErrno(err)
		}
		if aerr == syscall.EINTR || aerr == syscall.ECONNABORTED {
			continue
		}
		if aerr != syscall.EAGAIN || !wait {
			return nfd, toErrno(aerr)
		}
		pfd := []pollFd{{fd: int32(e.hostFd), events: pollIn}}
		if _, errno := h.waitFds(ctx, pfd, -1); errno != errnoSuccess {
			return -1, errno
		}
	}
}
