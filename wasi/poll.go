package wasi

import (
	"context"
	"encoding/binary"
	"syscall"
	"time"
)

type event struct {
	userdata uint64
	errno    Errno
	typ      uint8
	nbytes   uint64
	flags    uint16
}

// pollOneoff waits for the earliest clock subscription or for any fd
// subscription to become ready. Regular files, directories and stdio that
// is not a host file are always ready, as POSIX poll says of files.
func (h *Host) pollOneoff(ctx context.Context, m mem, s []uint64) Errno {
	in, out, n, nPtr := uint32(s[0]), uint32(s[1]), uint32(s[2]), uint32(s[3])
	if n == 0 {
		return errnoInval
	}
	if uint64(n)*subscriptionSize > uint64(len(m)) {
		return errnoFault
	}
	subs, ok := m.slice(in, n*subscriptionSize)
	if !ok {
		return errnoFault
	}
	outB, ok := m.slice(out, n*eventSize)
	if !ok {
		return errnoFault
	}
	if _, ok := m.slice(nPtr, 4); !ok {
		return errnoFault
	}
	subs = append([]byte(nil), subs...) // out may overlap in

	type clockSub struct {
		userdata uint64
		rel      int64
	}
	var (
		ready   []event
		clocks  []clockSub
		pfds    []pollFd
		pevents []event
		timeout int64 = -1
	)
	for i := uint32(0); i < n; i++ {
		b := subs[i*subscriptionSize:]
		ud, typ := binary.LittleEndian.Uint64(b), b[8]
		switch typ {
		case eventtypeClock:
			id := binary.LittleEndian.Uint32(b[16:])
			t := binary.LittleEndian.Uint64(b[24:])
			flags := binary.LittleEndian.Uint16(b[40:])
			now, errno := h.now(id)
			if errno != errnoSuccess {
				ready = append(ready, event{userdata: ud, errno: errno, typ: typ})
				continue
			}
			rel := int64(t)
			if t > 1<<63-1 {
				rel = 1<<63 - 1
			}
			if flags&subclockAbstime != 0 {
				rel = 0
				if t > now {
					rel = int64(t - now)
				}
			}
			clocks = append(clocks, clockSub{ud, rel})
			if timeout < 0 || rel < timeout {
				timeout = rel
			}
		case eventtypeFdRead, eventtypeFdWrite:
			fd := binary.LittleEndian.Uint32(b[16:])
			e, errno := h.get(fd)
			if errno != errnoSuccess {
				ready = append(ready, event{userdata: ud, errno: errno, typ: typ})
				continue
			}
			need := rightFdRead
			if typ == eventtypeFdWrite {
				need = rightFdWrite
			}
			if e.rightsBase&(need|rightPollFdReadwrite|rightSockAccept) == 0 {
				ready = append(ready, event{userdata: ud, errno: errnoNotcapable, typ: typ})
				continue
			}
			if e.hostFd < 0 || e.filetype == filetypeRegularFile || e.filetype == filetypeDirectory {
				ready = append(ready, event{userdata: ud, typ: typ, nbytes: e.pending(typ)})
				continue
			}
			ev := int16(pollIn)
			if typ == eventtypeFdWrite {
				ev = pollOut
			}
			pfds = append(pfds, pollFd{fd: int32(e.hostFd), events: ev})
			pevents = append(pevents, event{userdata: ud, typ: typ})
		default:
			ready = append(ready, event{userdata: ud, errno: errnoInval, typ: typ})
		}
	}
	if len(ready) > 0 {
		timeout = 0
	}

	start := time.Now()
	if len(pfds) > 0 {
		for {
			left := timeout
			if timeout > 0 {
				left = max(timeout-int64(time.Since(start)), 0)
			}
			n, errno := h.waitFds(ctx, pfds, left)
			if errno != errnoSuccess {
				return errno
			}
			// Nothing ready before the earliest clock is due: done,
			// unless the wait ended early (a signal, a stale wake).
			if n == 0 && left != 0 && (timeout < 0 || int64(time.Since(start)) < timeout) {
				continue
			}
			break
		}
		for i, p := range pfds {
			if p.revents == 0 {
				continue
			}
			ev := pevents[i]
			switch {
			case p.revents&pollNval != 0:
				ev.errno = errnoBadf
			case p.revents&pollHup != 0:
				ev.flags = eventrwflagHangup
			}
			ready = append(ready, ev)
		}
	} else if timeout > 0 {
		t := time.NewTimer(time.Duration(timeout))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return errnoCancelled
		}
	}
	elapsed := int64(time.Since(start))
	if len(ready) == 0 {
		// Nothing else woke us, so the earliest clock has expired even if
		// timer rounding makes elapsed look a hair short.
		elapsed = max(elapsed, timeout)
	}
	for _, c := range clocks {
		if c.rel <= elapsed {
			ready = append(ready, event{userdata: c.userdata, typ: eventtypeClock})
		}
	}

	clear(outB)
	for i, ev := range ready {
		b := outB[i*eventSize:]
		binary.LittleEndian.PutUint64(b, ev.userdata)
		binary.LittleEndian.PutUint16(b[8:], uint16(ev.errno))
		b[10] = ev.typ
		binary.LittleEndian.PutUint64(b[16:], ev.nbytes)
		binary.LittleEndian.PutUint16(b[24:], ev.flags)
	}
	m.putU32(nPtr, uint32(len(ready)))
	return errnoSuccess
}

// pending estimates the bytes an always-ready fd can deliver: the rest of
// a regular file for reads, nothing known otherwise.
func (e *fileEntry) pending(typ uint8) uint64 {
	if typ != eventtypeFdRead || e.filetype != filetypeRegularFile || e.hostFd < 0 || e.reader != nil {
		return 0
	}
	var st syscall.Stat_t
	if syscall.Fstat(e.hostFd, &st) != nil {
		return 0
	}
	pos, err := syscall.Seek(e.hostFd, 0, 1)
	if err != nil || pos >= st.Size {
		return 0
	}
	return uint64(st.Size - pos)
}
