package wasi

import (
	"context"
	"syscall"
	"unsafe"
)

// Cancellation of blocking host calls.
//
// A guest blocked in a host call (fd_read on a pipe or terminal, sock_accept,
// sock_recv, poll_oneoff) runs no wasm code, so the runtime's interrupt
// cannot reach it. Such calls wait in ppoll on their fd and on the host's
// wake eventfd, which a context.AfterFunc of the call's context writes to;
// the fd's blocking mode is left alone (a terminal stays as the user had it).
// A call that ends this way returns errnoCancelled, which the bindings turn
// into the runtime's interrupted trap: the guest stops there and never sees
// the errno.

// errnoCancelled is not a WASI errno: it tells the bindings that the call
// gave up because its context was cancelled.
const errnoCancelled Errno = 0xffff

// waker returns the host's wake eventfd, made on first use.
func (h *Host) waker() (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.wakeFd >= 0 {
		return h.wakeFd, nil
	}
	r, _, e := syscall.RawSyscall(syscall.SYS_EVENTFD2, 0, syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
	if e != 0 {
		return -1, e
	}
	h.wakeFd = int(r)
	return h.wakeFd, nil
}

// waitFds waits until one of fds is ready (revents filled in), timeout
// nanoseconds pass (-1: no limit) or ctx is done (errnoCancelled). With a
// timeout it may also return 0 early (a signal, a stale wake): callers
// recompute what is left. Without a cancellable context it is a plain
// ppoll.
func (h *Host) waitFds(ctx context.Context, fds []pollFd, timeout int64) (int, Errno) {
	done := ctx.Done()
	if done == nil {
		for {
			n, err := ppoll(fds, timeout)
			if err == syscall.EINTR {
				if timeout < 0 {
					continue // Go's preemption signals
				}
				return 0, errnoSuccess // the caller recomputes what is left
			}
			return n, toErrno(err)
		}
	}
	wake, err := h.waker()
	if err != nil {
		return 0, toErrno(err)
	}
	stop := context.AfterFunc(ctx, func() {
		one := uint64(1)
		syscall.Write(wake, (*[8]byte)(unsafe.Pointer(&one))[:])
	})
	defer stop()
	all := append(fds[:len(fds):len(fds)], pollFd{fd: int32(wake), events: pollIn})
	for {
		if ctx.Err() != nil {
			return 0, errnoCancelled
		}
		all[len(all)-1].revents = 0
		n, err := ppoll(all, timeout)
		if err == syscall.EINTR {
			if timeout < 0 {
				continue
			}
			n, err = 0, nil
		}
		if err != nil {
			return 0, toErrno(err)
		}
		if all[len(all)-1].revents != 0 {
			// Drain it: a wake left over from an earlier context's
			// cancellation must not end later waits.
			var buf [8]byte
			syscall.Read(wake, buf[:])
			n--
			if ctx.Err() != nil {
				return 0, errnoCancelled
			}
			if n == 0 && timeout < 0 {
				continue
			}
		}
		copy(fds, all)
		return n, errnoSuccess
	}
}

// waitFd blocks until host fd is ready for events (pollIn or pollOut) or
// ctx is done. It returns at once for a context that cannot be cancelled:
// the blocking system call that follows is then all the waiting.
func (h *Host) waitFd(ctx context.Context, fd int, events int16) Errno {
	if ctx.Done() == nil {
		return errnoSuccess
	}
	p := []pollFd{{fd: int32(fd), events: events}}
	_, errno := h.waitFds(ctx, p, -1)
	return errno
}

// mayBlock reports whether a read or write on e can wait indefinitely:
// a blocking pipe, socket or terminal. Regular files and directories never
// wait for a peer.
func (e *fileEntry) mayBlock() bool {
	if e.hostFd < 0 || e.fdflags&fdflagNonblock != 0 {
		return false
	}
	switch e.filetype {
	case filetypeRegularFile, filetypeDirectory, filetypeSymbolicLink:
		return false
	}
	return true
}
