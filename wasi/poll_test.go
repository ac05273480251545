package wasi

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// sub writes subscription i at base.
func (x *th) sub(base uint32, i int, userdata uint64, typ uint8, fdOrClock uint32, timeout uint64, flags uint16) {
	b := x.mem[base+uint32(i)*subscriptionSize:]
	clear(b[:subscriptionSize])
	binary.LittleEndian.PutUint64(b, userdata)
	b[8] = typ
	binary.LittleEndian.PutUint32(b[16:], fdOrClock)
	binary.LittleEndian.PutUint64(b[24:], timeout)
	binary.LittleEndian.PutUint16(b[40:], flags)
}

type ev struct {
	userdata uint64
	errno    Errno
	typ      uint8
	flags    uint16
}

func (x *th) events(base uint32) []ev {
	var out []ev
	for i := uint32(0); i < x.u32(60); i++ {
		b := x.mem[base+i*eventSize:]
		out = append(out, ev{binary.LittleEndian.Uint64(b), Errno(binary.LittleEndian.Uint16(b[8:])), b[10],
			binary.LittleEndian.Uint16(b[24:])})
	}
	return out
}

func TestPollClock(t *testing.T) {
	x := newTH(t, nil)
	const in, out = 1024, 4096
	x.sub(in, 0, 7, eventtypeClock, clockMonotonic, 30e6, 0)
	start := time.Now()
	require.Equal(t, errnoSuccess, x.call("poll_oneoff", in, out, 1, 60))
	require.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)
	require.Equal(t, []ev{{7, 0, eventtypeClock, 0}}, x.events(out))

	// Two clocks: only the earlier fires.
	x.sub(in, 0, 1, eventtypeClock, clockMonotonic, 5e9, 0)
	x.sub(in, 1, 2, eventtypeClock, clockRealtime, 10e6, 0)
	require.Equal(t, errnoSuccess, x.call("poll_oneoff", in, out, 2, 60))
	require.Equal(t, []ev{{2, 0, eventtypeClock, 0}}, x.events(out))

	// Absolute deadline in the past: immediate.
	x.sub(in, 0, 3, eventtypeClock, clockRealtime, 1, subclockAbstime)
	start = time.Now()
	require.Equal(t, errnoSuccess, x.call("poll_oneoff", in, out, 1, 60))
	require.Less(t, time.Since(start), time.Second)
	require.Equal(t, []ev{{3, 0, eventtypeClock, 0}}, x.events(out))
	// Absolute deadline 20ms ahead on the monotonic clock.
	x.call("clock_time_get", uint64(clockMonotonic), 0, 8)
	x.sub(in, 0, 4, eventtypeClock, clockMonotonic, x.u64(8)+20e6, subclockAbstime)
	start = time.Now()
	require.Equal(t, errnoSuccess, x.call("poll_oneoff", in, out, 1, 60))
	require.GreaterOrEqual(t, time.Since(start), 15*time.Millisecond)

	// Bad clock id: an event carrying EINVAL, no wait.
	x.sub(in, 0, 5, eventtypeClock, 9, 5e9, 0)
	require.Equal(t, errnoSuccess, x.call("poll_oneoff", in, out, 1, 60))
	require.Equal(t, []ev{{5, errnoInval, eventtypeClock, 0}}, x.events(out))

	require.Equal(t, errnoInval, x.call("poll_oneoff", in, out, 0, 60))
	require.Equal(t, errnoFault, x.call("poll_oneoff", uint64(len(x.mem)-10), out, 1, 60))
	require.Equal(t, errnoFault, x.call("poll_oneoff", in, uint64(len(x.mem)-10), 1, 60))
	require.Equal(t, errnoFault, x.call("poll_oneoff", in, out, 1, oob))
	require.Equal(t, errnoFault, x.call("poll_oneoff", in, out, 0x10000000, 60))
}

func TestPollFds(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	x := newTH(t, func(c *Config) { c.Stdin = r })
	const in, out = 1024, 4096
	fd, errno := x.open("f.txt", 0, rightFdRead|rightPollFdReadwrite, 0)
	require.Equal(t, errnoSuccess, errno)

	// A regular file is ready at once and reports what is left to read;
	// stdout (a buffer) is writable; a bad fd reports EBADF; unknown
	// types EINVAL.
	x.sub(in, 0, 1, eventtypeFdRead, fd, 0, 0)
	x.sub(in, 1, 2, eventtypeFdWrite, 1, 0, 0)
	x.sub(in, 2, 3, eventtypeFdRead, 99, 0, 0)
	x.sub(in, 3, 4, 7, 0, 0, 0)
	x.sub(in, 4, 5, eventtypeClock, clockMonotonic, 5e9, 0)
	require.Equal(t, errnoSuccess, x.call("poll_oneoff", in, out, 5, 60))
	require.ElementsMatch(t, []ev{{1, 0, eventtypeFdRead, 0}, {2, 0, eventtypeFdWrite, 0},
		{3, errnoBadf, eventtypeFdRead, 0}, {4, errnoInval, 7, 0}}, x.events(out))
	require.Equal(t, uint64(10), binary.LittleEndian.Uint64(x.mem[out+16:]), "nbytes of the file")

	// A pipe on stdin: the clock wins while it is empty...
	x.sub(in, 0, 1, eventtypeFdRead, 0, 0, 0)
	x.sub(in, 1, 2, eventtypeClock, clockMonotonic, 20e6, 0)
	require.Equal(t, errnoSuccess, x.call("poll_oneoff", in, out, 2, 60))
	require.Equal(t, []ev{{2, 0, eventtypeClock, 0}}, x.events(out))
	// ...data wakes it up before the clock...
	go func() { time.Sleep(10 * time.Millisecond); w.Write([]byte("x")) }()
	x.sub(in, 1, 2, eventtypeClock, clockMonotonic, 10e9, 0)
	start := time.Now()
	require.Equal(t, errnoSuccess, x.call("poll_oneoff", in, out, 2, 60))
	require.Less(t, time.Since(start), 5*time.Second)
	require.Equal(t, []ev{{1, 0, eventtypeFdRead, 0}}, x.events(out))
	// ...and a closed writer is a hangup.
	w.Close()
	x.iov(0, 100, 10)
	require.Equal(t, errnoSuccess, x.call("fd_read", 0, 0, 1, 64))
	require.Equal(t, errnoSuccess, x.call("poll_oneoff", in, out, 1, 60))
	require.Equal(t, []ev{{1, 0, eventtypeFdRead, eventrwflagHangup}}, x.events(out))

	// Subscriptions and events may share memory.
	x.sub(in, 0, 9, eventtypeFdWrite, 1, 0, 0)
	require.Equal(t, errnoSuccess, x.call("poll_oneoff", in, in, 1, 60))
	require.Equal(t, []ev{{9, 0, eventtypeFdWrite, 0}}, x.events(in))
}

func TestPollCancel(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	x := newTH(t, func(c *Config) { c.Stdin = r })
	x.sub(1024, 0, 1, eventtypeFdRead, 0, 0, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Millisecond)
	defer cancel()
	stack := []uint64{1024, 4096, 1, 60}
	start := time.Now()
	// The call fails with the context's cause: the guest is stopped, not
	// handed an errno to retry on.
	require.ErrorIs(t, x.fns["poll_oneoff"].Call(ctx, x.mem, stack), context.DeadlineExceeded)
	require.Less(t, time.Since(start), 2*time.Second)
}

func TestOpenFifoDoesNotBlock(t *testing.T) {
	x := newTH(t, nil)
	require.NoError(t, syscall.Mkfifo(filepath.Join(x.dir, "fifo"), 0o644))
	fd, errno := x.open("fifo", 0, rightFdRead|rightPollFdReadwrite, 0)
	require.Equal(t, errnoSuccess, errno)
	require.Equal(t, errnoSuccess, x.call("fd_fdstat_get", uint64(fd), 64))
	require.Equal(t, filetypeUnknown, x.mem[64])
	require.Zero(t, binary.LittleEndian.Uint16(x.mem[66:]), "blocking mode restored")
}
