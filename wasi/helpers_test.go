package wasi

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// fakeMem is a guest memory for calling host functions directly.
type fakeMem []byte

func (m fakeMem) Bytes() []byte { return m }

// th drives a Host the way a runtime would: by name, with raw stack
// values, against a 64 KiB fake memory.
type th struct {
	t      *testing.T
	h      *Host
	fns    map[string]Func
	mem    fakeMem
	stdout *bytes.Buffer
	dir    string // host directory behind guest fd 3 ("/d")
	ro     string // host directory behind guest fd 4 ("/ro", read-only)
}

func newTH(t *testing.T, mod func(*Config)) *th {
	x := &th{t: t, mem: make(fakeMem, 65536), stdout: new(bytes.Buffer),
		dir: t.TempDir(), ro: t.TempDir()}
	require.NoError(t, os.WriteFile(filepath.Join(x.dir, "f.txt"), []byte("0123456789"), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(x.dir, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(x.ro, "r.txt"), []byte("ro"), 0o644))
	cfg := Config{Stdout: x.stdout, Preopens: []Preopen{
		{HostPath: x.dir, GuestPath: "/d"}, {HostPath: x.ro, GuestPath: "/ro", ReadOnly: true}}}
	if mod != nil {
		mod(&cfg)
	}
	h, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	x.h = h
	x.fns = map[string]Func{}
	for _, f := range h.Functions() {
		x.fns[f.Name] = f
	}
	return x
}

// call runs a function and returns its errno.
func (x *th) call(name string, args ...uint64) Errno {
	x.t.Helper()
	f, ok := x.fns[name]
	require.True(x.t, ok, name)
	require.Len(x.t, args, len(f.Params), name)
	stack := make([]uint64, max(len(args), 1))
	copy(stack, args)
	require.NoError(x.t, f.Call(context.Background(), x.mem, stack))
	return Errno(stack[0])
}

// str places s at ptr and returns (ptr, len) as stack values.
func (x *th) str(ptr uint32, s string) (uint64, uint64) {
	copy(x.mem[ptr:], s)
	return uint64(ptr), uint64(len(s))
}

func (x *th) u32(ptr uint32) uint32 { return binary.LittleEndian.Uint32(x.mem[ptr:]) }
func (x *th) u64(ptr uint32) uint64 { return binary.LittleEndian.Uint64(x.mem[ptr:]) }

// iov writes one iovec at ptr naming [buf, buf+n).
func (x *th) iov(ptr, buf, n uint32) {
	binary.LittleEndian.PutUint32(x.mem[ptr:], buf)
	binary.LittleEndian.PutUint32(x.mem[ptr+4:], n)
}

// open opens path beneath fd 3 with rights and returns the new fd.
func (x *th) open(path string, oflags uint16, rights uint64, fdflags uint16) (uint32, Errno) {
	p, n := x.str(1000, path)
	errno := x.call("path_open", 3, uint64(lookupSymlinkFollow), p, n, uint64(oflags), rights, rights, uint64(fdflags), 900)
	return x.u32(900), errno
}

const oob = 1 << 20 // beyond the fake memory
