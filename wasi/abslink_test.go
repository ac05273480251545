package wasi

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// openFrom opens path beneath the guest directory fd dir, following a
// final symlink, and returns the new fd.
func (x *th) openFrom(dir uint32, path string, oflags uint16, rights uint64) (uint32, Errno) {
	x.t.Helper()
	p, n := x.str(1000, path)
	errno := x.call("path_open", uint64(dir), uint64(lookupSymlinkFollow), p, n, uint64(oflags), rights, rightsAll, 0, 900)
	return x.u32(900), errno
}

// readFrom opens path beneath dir and returns what it holds, or the
// errno of the open.
func (x *th) readFrom(dir uint32, path string) (string, Errno) {
	x.t.Helper()
	fd, errno := x.openFrom(dir, path, 0, rightFdRead)
	if errno != errnoSuccess {
		return "", errno
	}
	defer func() { require.Equal(x.t, errnoSuccess, x.call("fd_close", uint64(fd))) }()
	x.iov(0, 100, 64)
	require.Equal(x.t, errnoSuccess, x.call("fd_read", uint64(fd), 0, 1, 64))
	return string(x.mem[100 : 100+x.u32(64)]), errnoSuccess
}

// absLinkTree builds, in the preopen x.dir and an outside directory:
//
//	f.txt                 "0123456789" (from newTH)
//	data/file.txt         "inside"
//	data/up -> ../f.txt
//	data/upabs -> /f.txt
//	data/upup -> ../../secret.txt
//	data/c2 -> ../data/c3
//	data/c3 -> /data/file.txt
//	abs_in -> /data/file.txt
//	abs_dir -> /data
//	abs_out -> <outside>/secret.txt
//	abs_up -> /..<outside>/secret.txt
//	abs_mirror -> <outside>/mirror.txt, and <preopen><outside>/mirror.txt
//	chain -> /data/c2
//	sub/rel -> ../abs_in
//	loop1 -> /loop2 -> /loop1
//	dangling -> /data/created.txt
//	<outside>/secret.txt  "SECRET"
//	<outside>/mirror.txt  "SECRET"
func absLinkTree(t *testing.T, x *th) string {
	outside := t.TempDir()
	write := func(p, s string) { require.NoError(t, os.WriteFile(p, []byte(s), 0o644)) }
	write(filepath.Join(outside, "secret.txt"), "SECRET")
	write(filepath.Join(outside, "mirror.txt"), "SECRET")
	require.NoError(t, os.MkdirAll(filepath.Join(x.dir, "data"), 0o755))
	write(filepath.Join(x.dir, "data", "file.txt"), "inside")
	require.NoError(t, os.MkdirAll(filepath.Join(x.dir, outside), 0o755))
	write(filepath.Join(x.dir, outside, "mirror.txt"), "mirror")
	for name, target := range map[string]string{
		"data/up":    "../f.txt",
		"data/upabs": "/f.txt",
		"data/upup":  "../../secret.txt",
		"data/c2":    "../data/c3",
		"data/c3":    "/data/file.txt",
		"abs_in":     "/data/file.txt",
		"abs_dir":    "/data",
		"abs_out":    filepath.Join(outside, "secret.txt"),
		"abs_up":     "/.." + filepath.Join(outside, "secret.txt"),
		"abs_mirror": filepath.Join(outside, "mirror.txt"),
		"chain":      "/data/c2",
		"sub/rel":    "../abs_in",
		"loop1":      "/loop2",
		"loop2":      "/loop1",
		"dangling":   "/data/created.txt",
	} {
		require.NoError(t, os.Symlink(target, filepath.Join(x.dir, name)))
	}
	return outside
}

// TestAbsoluteSymlinks checks that absolute symlink targets start from
// the root of the preopen the lookup began in and never leave it.
func TestAbsoluteSymlinks(t *testing.T) { withResolvers(t, testAbsoluteSymlinks) }

func testAbsoluteSymlinks(t *testing.T) {
	x := newTH(t, nil)
	absLinkTree(t, x)
	for _, c := range []struct {
		path string
		want string
		errn Errno
	}{
		{"abs_in", "inside", errnoSuccess},
		{"abs_dir/file.txt", "inside", errnoSuccess},
		{"abs_dir/../f.txt", "0123456789", errnoSuccess},
		{"abs_dir/./../abs_in", "inside", errnoSuccess},
		{"chain", "inside", errnoSuccess},
		{"sub/rel", "inside", errnoSuccess},
		{"sub/../abs_dir/c3", "inside", errnoSuccess},
		{"abs_mirror", "mirror", errnoSuccess},
		{"abs_out", "", errnoNoent},
		{"abs_up", "", errnoNotcapable},
		{"abs_dir/../../f.txt", "", errnoNotcapable}, // the guest's ".." above the root
		{"abs_dir/upup", "", errnoNotcapable},
		{"loop1", "", errnoLoop},
		{"/data/file.txt", "", errnoNotcapable}, // guest paths stay relative
	} {
		got, errno := x.readFrom(3, c.path)
		require.Equal(t, c.errn, errno, c.path)
		require.Equal(t, c.want, got, c.path)
	}

	// Stat through the links, following and not, and in the directory
	// part of a path that is acted on without following.
	p, n := x.str(1000, "abs_in")
	require.Equal(t, errnoSuccess, x.call("path_filestat_get", 3, uint64(lookupSymlinkFollow), p, n, 200))
	require.Equal(t, filetypeRegularFile, x.mem[216])
	require.Equal(t, uint64(6), x.u64(232))
	require.Equal(t, errnoSuccess, x.call("path_filestat_get", 3, 0, p, n, 200))
	require.Equal(t, filetypeSymbolicLink, x.mem[216])
	p, n = x.str(1000, "abs_dir/file.txt")
	require.Equal(t, errnoSuccess, x.call("path_filestat_get", 3, 0, p, n, 200))
	require.Equal(t, filetypeRegularFile, x.mem[216])
	p, n = x.str(1000, "abs_out")
	require.Equal(t, errnoNoent, x.call("path_filestat_get", 3, uint64(lookupSymlinkFollow), p, n, 200))

	// Creating through a dangling absolute link creates inside.
	fd, errno := x.openFrom(3, "dangling", oflagCreat, rightFdWrite)
	require.Equal(t, errnoSuccess, errno)
	require.Equal(t, errnoSuccess, x.call("fd_close", uint64(fd)))
	_, err := os.Stat(filepath.Join(x.dir, "data", "created.txt"))
	require.NoError(t, err)
	// Entries made through the directory part of a path land inside too.
	p, n = x.str(1000, "abs_dir/newdir")
	require.Equal(t, errnoSuccess, x.call("path_create_directory", 3, p, n))
	_, err = os.Stat(filepath.Join(x.dir, "data", "newdir"))
	require.NoError(t, err)
}

// TestAbsoluteSymlinksBelowPreopen resolves from a directory fd opened
// beneath the preopen: the guest's own path may not climb above that fd,
// but symlinks met there may reach anything inside the preopen, also
// after the preopen's own fd is closed.
func TestAbsoluteSymlinksBelowPreopen(t *testing.T) {
	withResolvers(t, testAbsoluteSymlinksBelowPreopen)
}

func testAbsoluteSymlinksBelowPreopen(t *testing.T) {
	x := newTH(t, nil)
	absLinkTree(t, x)
	data, errno := x.openFrom(3, "data", oflagDirectory, rightsDir)
	require.Equal(t, errnoSuccess, errno)
	check := func() {
		for _, c := range []struct {
			path string
			want string
			errn Errno
		}{
			{"file.txt", "inside", errnoSuccess},
			{"up", "0123456789", errnoSuccess},
			{"upabs", "0123456789", errnoSuccess},
			{"c2", "inside", errnoSuccess},
			{"c3", "inside", errnoSuccess},
			{"upup", "", errnoNotcapable},
			{"../f.txt", "", errnoNotcapable},
			{"/f.txt", "", errnoNotcapable},
		} {
			got, errno := x.readFrom(data, c.path)
			require.Equal(t, c.errn, errno, c.path)
			require.Equal(t, c.want, got, c.path)
		}
	}
	check()
	require.Equal(t, errnoSuccess, x.call("fd_close", 3))
	check()
}

// TestAbsoluteSymlinkSwapRace swaps an absolute symlink between a target
// inside the preopen and the host path of an outside file while the guest
// opens through it: the outside file is never read.
func TestAbsoluteSymlinkSwapRace(t *testing.T) { withResolvers(t, testAbsoluteSymlinkSwapRace) }

func testAbsoluteSymlinkSwapRace(t *testing.T) {
	x := newTH(t, nil)
	outside := absLinkTree(t, x)
	link := filepath.Join(x.dir, "swap")
	require.NoError(t, os.Symlink("/data", link))
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		targets := []string{"/data", outside, "/.." + outside, "../" + filepath.Base(outside)}
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			tmp := link + ".tmp"
			os.Remove(tmp)
			if os.Symlink(targets[i%len(targets)], tmp) == nil {
				os.Rename(tmp, link)
			}
		}
	}()
	defer func() { close(done); <-stopped }()
	require.NoError(t, os.WriteFile(filepath.Join(outside, "file.txt"), []byte("SECRET"), 0o644))
	// 2000 opens, and more until one succeeds: on a busy machine the
	// swapping goroutine may sit descheduled on an outside target for
	// all of the first 2000.
	opened, start := 0, time.Now()
	for i := 0; i < 2000 || opened == 0 && time.Since(start) < 10*time.Second; i++ {
		got, errno := x.readFrom(3, "swap/file.txt")
		if errno != errnoSuccess {
			require.Contains(t, []Errno{errnoNotcapable, errnoNoent}, errno)
			continue
		}
		opened++
		require.Equal(t, "inside", got)
	}
	require.NotZero(t, opened)
}
