package wasi

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSignatures(t *testing.T) {
	f, err := os.Open("testdata/signatures.txt")
	require.NoError(t, err)
	defer f.Close()
	h, err := New(Config{})
	require.NoError(t, err)
	got := map[string]Func{}
	for _, fn := range h.Functions() {
		require.NotContains(t, got, fn.Name, "duplicate")
		got[fn.Name] = fn
	}
	enc := func(vs []ValType) string {
		if len(vs) == 0 {
			return "-"
		}
		var b strings.Builder
		for _, v := range vs {
			b.WriteByte(map[ValType]byte{ValI32: 'i', ValI64: 'I'}[v])
		}
		return b.String()
	}
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		fs := strings.Fields(line)
		fn, ok := got[fs[0]]
		require.True(t, ok, "missing %s", fs[0])
		require.Equal(t, fs[1], enc(fn.Params), fs[0])
		require.Equal(t, fs[2], enc(fn.Results), fs[0])
		n++
	}
	require.Equal(t, n, len(got), "functions not in the witx list")
}

func TestNewErrors(t *testing.T) {
	_, err := New(Config{Preopens: []Preopen{{HostPath: "/does/not/exist", GuestPath: "/x"}}})
	require.ErrorContains(t, err, `preopen 0 ("/does/not/exist")`)
	_, err = New(Config{Preopens: []Preopen{{HostPath: t.TempDir()}}})
	require.ErrorContains(t, err, "empty guest path")
	_, err = New(Config{Args: []string{"a\x00b"}})
	require.ErrorContains(t, err, "NUL")
	_, err = New(Config{Listeners: []net.Listener{fakeListener{}}})
	require.ErrorContains(t, err, "not supported")
}

type fakeListener struct{ net.Listener }

func (fakeListener) Addr() net.Addr { return &net.TCPAddr{} }

func TestArgsEnviron(t *testing.T) {
	x := newTH(t, func(c *Config) {
		c.Args = []string{"prog", "", "a b"}
		c.Env = []string{"A=1", "B="}
	})
	require.Equal(t, errnoSuccess, x.call("args_sizes_get", 0, 4))
	require.Equal(t, uint32(3), x.u32(0))
	require.Equal(t, uint32(5+1+4), x.u32(4))
	require.Equal(t, errnoSuccess, x.call("args_get", 100, 200))
	require.Equal(t, []uint32{200, 205, 206}, []uint32{x.u32(100), x.u32(104), x.u32(108)})
	require.Equal(t, "prog\x00\x00a b\x00", string(x.mem[200:210]))

	require.Equal(t, errnoSuccess, x.call("environ_sizes_get", 0, 4))
	require.Equal(t, []uint32{2, 7}, []uint32{x.u32(0), x.u32(4)})
	require.Equal(t, errnoSuccess, x.call("environ_get", 100, 200))
	require.Equal(t, "A=1\x00B=\x00", string(x.mem[200:207]))

	// Pointers that reach past memory fail without writing anything.
	end := uint64(len(x.mem))
	require.Equal(t, errnoFault, x.call("args_sizes_get", end-2, 0))
	require.Equal(t, errnoFault, x.call("args_get", end-4, 0))
	require.Equal(t, errnoFault, x.call("args_get", 0, end-3))
	require.Equal(t, errnoFault, x.call("environ_get", 0xffffffff, 0))
	require.Equal(t, errnoFault, x.call("environ_sizes_get", 0, oob))
	clear(x.mem)
	require.Equal(t, errnoFault, x.call("args_get", 0, end-9))
	require.Equal(t, make([]byte, 20), []byte(x.mem[:20]), "nothing written on EFAULT")
}

func TestClocksRandomProc(t *testing.T) {
	x := newTH(t, func(c *Config) {
		c.Walltime = func() (int64, int32) { return 1700000000, 123 }
		c.Nanotime = func() int64 { return 42 }
		c.Random = strings.NewReader("abcdefgh")
	})
	require.Equal(t, errnoSuccess, x.call("clock_time_get", uint64(clockRealtime), 1, 8))
	require.Equal(t, uint64(1700000000_000000123), x.u64(8))
	require.Equal(t, errnoSuccess, x.call("clock_time_get", uint64(clockMonotonic), 1, 8))
	require.Equal(t, uint64(42), x.u64(8))
	for _, id := range []uint32{clockProcessCputimeID, clockThreadCputimeID} {
		require.Equal(t, errnoSuccess, x.call("clock_time_get", uint64(id), 1, 8))
		require.NotZero(t, x.u64(8))
		require.Equal(t, errnoSuccess, x.call("clock_res_get", uint64(id), 8))
		require.NotZero(t, x.u64(8))
	}
	require.Equal(t, errnoInval, x.call("clock_time_get", 4, 1, 8))
	require.Equal(t, errnoInval, x.call("clock_res_get", 99, 8))
	require.Equal(t, errnoFault, x.call("clock_time_get", 0, 1, uint64(len(x.mem)-7)))
	require.Equal(t, errnoFault, x.call("clock_res_get", 0, oob))

	require.Equal(t, errnoSuccess, x.call("random_get", 16, 5))
	require.Equal(t, "abcde", string(x.mem[16:21]))
	require.Equal(t, errnoSuccess, x.call("random_get", 16, 0))
	require.Equal(t, errnoIo, x.call("random_get", 16, 4), "reader ran dry")
	require.Equal(t, errnoFault, x.call("random_get", uint64(len(x.mem)-1), 2))

	require.Equal(t, errnoNosys, x.call("proc_raise", 9))
	require.Equal(t, errnoSuccess, x.call("sched_yield"))
	stack := []uint64{77}
	err := x.fns["proc_exit"].Call(context.Background(), x.mem, stack)
	var exit *ExitError
	require.True(t, errors.As(err, &exit))
	require.Equal(t, uint32(77), exit.Code)

	// A stack shorter than the signature is a host error, not a panic.
	require.Error(t, x.fns["fd_write"].Call(context.Background(), x.mem, []uint64{1}))
}

func TestStdio(t *testing.T) {
	x := newTH(t, func(c *Config) { c.Stdin = strings.NewReader("input!") })
	copy(x.mem[100:], "hello, world")
	x.iov(0, 100, 5)
	x.iov(8, 105, 7)
	require.Equal(t, errnoSuccess, x.call("fd_write", 1, 0, 2, 50))
	require.Equal(t, uint32(12), x.u32(50))
	require.Equal(t, "hello, world", x.stdout.String())
	require.Equal(t, errnoSuccess, x.call("fd_write", 2, 0, 2, 50), "stderr defaults to discard")

	x.iov(0, 200, 3)
	x.iov(8, 300, 10)
	require.Equal(t, errnoSuccess, x.call("fd_read", 0, 0, 2, 50))
	require.Equal(t, uint32(3), x.u32(50))
	require.Equal(t, "inp", string(x.mem[200:203]))
	require.Equal(t, errnoSuccess, x.call("fd_read", 0, 8, 1, 50))
	require.Equal(t, uint32(3), x.u32(50))
	require.Equal(t, errnoSuccess, x.call("fd_read", 0, 8, 1, 50))
	require.Equal(t, uint32(0), x.u32(50), "EOF")

	// Bad iovecs and result pointers: EFAULT, and no output happens.
	x.stdout.Reset()
	x.iov(0, uint32(len(x.mem)-2), 3)
	require.Equal(t, errnoFault, x.call("fd_write", 1, 0, 1, 50))
	x.iov(0, 100, 3)
	require.Equal(t, errnoFault, x.call("fd_write", 1, 0, 1, oob))
	require.Equal(t, errnoFault, x.call("fd_write", 1, uint64(len(x.mem)-4), 1, 50))
	require.Equal(t, errnoFault, x.call("fd_write", 1, 0, 0x40000000, 50))
	require.Empty(t, x.stdout.String())
	require.Equal(t, errnoBadf, x.call("fd_write", 99, 0, 1, 50))
	require.Equal(t, errnoNotcapable, x.call("fd_write", 0, 0, 1, 50), "stdin is not writable")
	require.Equal(t, errnoNotcapable, x.call("fd_read", 1, 0, 1, 50))

	require.Equal(t, errnoSuccess, x.call("fd_fdstat_get", 1, 64))
	require.Equal(t, filetypeCharacterDevice, x.mem[64])
	require.NotZero(t, x.u64(72)&rightFdWrite)
	require.Zero(t, x.u64(72)&(rightFdSeek|rightFdTell), "not seekable, so libc sees a tty")
	require.Equal(t, errnoNotcapable, x.call("fd_seek", 1, 0, 0, 64))
	require.Equal(t, errnoSuccess, x.call("fd_filestat_get", 1, 64))
	require.Equal(t, filetypeCharacterDevice, x.mem[64+16])
	require.Equal(t, errnoSuccess, x.call("fd_fdstat_set_flags", 1, uint64(fdflagAppend)))
	require.Equal(t, errnoSuccess, x.call("fd_fdstat_get", 1, 64))
	require.Equal(t, fdflagAppend, uint16(x.mem[66]))
	require.Equal(t, errnoFault, x.call("fd_fdstat_get", 1, oob))
	require.Equal(t, errnoBadf, x.call("fd_fdstat_get", 1000, 64))
	require.Equal(t, errnoBadf, x.call("fd_prestat_get", 1, 64))
}

func TestPrestat(t *testing.T) {
	x := newTH(t, nil)
	require.Equal(t, errnoSuccess, x.call("fd_prestat_get", 3, 0))
	require.Equal(t, uint32(0), x.u32(0))
	require.Equal(t, uint32(2), x.u32(4))
	require.Equal(t, errnoSuccess, x.call("fd_prestat_dir_name", 4, 16, 3))
	require.Equal(t, "/ro", string(x.mem[16:19]))
	require.Equal(t, errnoNametoolong, x.call("fd_prestat_dir_name", 4, 16, 2))
	require.Equal(t, errnoFault, x.call("fd_prestat_dir_name", 3, uint64(len(x.mem)-1), 2))
	require.Equal(t, errnoFault, x.call("fd_prestat_get", 3, oob))
	require.Equal(t, errnoBadf, x.call("fd_prestat_get", 5, 0))
	require.Equal(t, errnoSuccess, x.call("fd_fdstat_get", 3, 64))
	require.Equal(t, filetypeDirectory, x.mem[64])
}

func TestListenerFd(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	x := newTH(t, func(c *Config) { c.Listeners = []net.Listener{l} })
	require.Equal(t, errnoSuccess, x.call("fd_fdstat_get", 5, 64))
	require.Equal(t, filetypeSocketStream, x.mem[64])
	require.Equal(t, errnoSuccess, x.call("fd_fdstat_set_flags", 5, uint64(fdflagNonblock)))
	require.Equal(t, errnoAgain, x.call("sock_accept", 5, 0, 64), "nothing pending")
	require.Equal(t, errnoInval, x.call("sock_accept", 5, 1, 64))
	require.Equal(t, errnoNotsock, x.call("sock_accept", 3, 0, 64))
	require.Equal(t, errnoNotsock, x.call("sock_recv", 5, 0, 0, 0, 64, 68))
	require.Equal(t, errnoNotsock, x.call("sock_send", 1, 0, 0, 0, 64))
	require.Equal(t, errnoNotsock, x.call("sock_shutdown", 3, 3))

	c, err := net.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte("hi"))
	require.NoError(t, err)
	require.Equal(t, errnoFault, x.call("sock_accept", 5, 0, oob))
	x.h.fds[5].fdflags = 0 // blocking accept: the connection is there
	require.Equal(t, errnoSuccess, x.call("sock_accept", 5, 0, 64))
	s := uint64(x.u32(64))
	x.iov(0, 100, 10)
	require.Equal(t, errnoSuccess, x.call("sock_recv", s, 0, 1, uint64(riflagRecvPeek), 64, 68))
	require.Equal(t, uint32(2), x.u32(64))
	require.Equal(t, errnoSuccess, x.call("sock_recv", s, 0, 1, 0, 64, 68))
	require.Equal(t, "hi", string(x.mem[100:102]))
	require.Equal(t, errnoInval, x.call("sock_recv", s, 0, 1, 8, 64, 68))
	// Scatter over two iovecs, waiting for all of it.
	_, err = c.Write([]byte("scatter"))
	require.NoError(t, err)
	x.iov(0, 100, 3)
	x.iov(8, 200, 4)
	require.Equal(t, errnoSuccess, x.call("sock_recv", s, 0, 2, uint64(riflagRecvWaitall), 64, 68))
	require.Equal(t, uint32(7), x.u32(64))
	require.Equal(t, "sca", string(x.mem[100:103]))
	require.Equal(t, "tter", string(x.mem[200:204]))
	require.Equal(t, errnoFault, x.call("sock_recv", s, 0, 1, 0, oob, 68))
	copy(x.mem[100:], "yo")
	x.iov(0, 100, 2)
	require.Equal(t, errnoSuccess, x.call("sock_send", s, 0, 1, 0, 64))
	require.Equal(t, uint32(2), x.u32(64))
	require.Equal(t, errnoInval, x.call("sock_shutdown", s, 4))
	require.Equal(t, errnoSuccess, x.call("sock_shutdown", s, 3))
	buf := make([]byte, 4)
	n, _ := c.Read(buf)
	require.Equal(t, "yo", string(buf[:n]))
	require.Equal(t, errnoSuccess, x.call("fd_close", s))
	require.NoError(t, x.h.Close())
	_, err = l.Accept()
	require.Error(t, err, "Close closes preopened listeners")
}

func TestCloseAndRenumber(t *testing.T) {
	x := newTH(t, nil)
	fd, errno := x.open("f.txt", 0, rightFdRead|rightFdSeek|rightFdTell, 0)
	require.Equal(t, errnoSuccess, errno)
	require.Equal(t, uint32(5), fd, "lowest free fd")
	fd2, _ := x.open("sub", 0, rightFdReaddir, 0)
	require.Equal(t, errnoBadf, x.call("fd_renumber", uint64(fd), 77))
	require.Equal(t, errnoSuccess, x.call("fd_renumber", uint64(fd), uint64(fd2)))
	require.Equal(t, errnoBadf, x.call("fd_close", uint64(fd)))
	require.Equal(t, errnoSuccess, x.call("fd_seek", uint64(fd2), 3, 0, 64))
	require.Equal(t, errnoSuccess, x.call("fd_renumber", uint64(fd2), uint64(fd2)))
	require.Equal(t, errnoSuccess, x.call("fd_close", uint64(fd2)))
	require.Equal(t, errnoBadf, x.call("fd_close", uint64(fd2)))
	require.Equal(t, errnoBadf, x.call("fd_close", 0xffffffff))
	fd, _ = x.open("f.txt", 0, rightFdRead, 0)
	require.Equal(t, uint32(5), fd, "fd numbers are reused")
	require.NoError(t, x.h.Close())
	require.Equal(t, errnoBadf, x.call("fd_close", uint64(fd)))
	dir, err := os.ReadDir(filepath.Join("/proc/self/fd"))
	require.NoError(t, err)
	for _, e := range dir {
		target, _ := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		require.False(t, strings.HasPrefix(target, x.dir), "host fd %s still open on %s", e.Name(), target)
	}
}
