package wasi

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const rwRights = rightsFile

func TestFileOps(t *testing.T) {
	x := newTH(t, nil)
	fd, errno := x.open("f.txt", 0, rwRights, 0)
	require.Equal(t, errnoSuccess, errno)
	f := uint64(fd)

	require.Equal(t, errnoSuccess, x.call("fd_seek", f, 4, 0, 64))
	require.Equal(t, uint64(4), x.u64(64))
	require.Equal(t, errnoSuccess, x.call("fd_tell", f, 64))
	require.Equal(t, uint64(4), x.u64(64))
	require.Equal(t, errnoSuccess, x.call("fd_seek", f, uint64(1<<64-2), 2, 64)) // -2 from end
	require.Equal(t, uint64(8), x.u64(64))
	require.Equal(t, errnoInval, x.call("fd_seek", f, 0, 3, 64))
	require.Equal(t, errnoInval, x.call("fd_seek", f, uint64(1<<64-100), 0, 64))
	require.Equal(t, errnoFault, x.call("fd_seek", f, 0, 0, oob))
	require.Equal(t, errnoFault, x.call("fd_tell", f, uint64(len(x.mem)-7)))
	require.Equal(t, errnoSuccess, x.call("fd_tell", f, 64))
	require.Equal(t, uint64(8), x.u64(64), "failed seeks do not move")

	x.iov(0, 100, 3)
	require.Equal(t, errnoSuccess, x.call("fd_pread", f, 0, 1, 2, 64))
	require.Equal(t, "234", string(x.mem[100:103]))
	require.Equal(t, errnoInval, x.call("fd_pread", f, 0, 1, uint64(1<<63), 64))
	copy(x.mem[100:], "abc")
	require.Equal(t, errnoSuccess, x.call("fd_pwrite", f, 0, 1, 12, 64))
	require.Equal(t, uint32(3), x.u32(64))
	b, _ := os.ReadFile(filepath.Join(x.dir, "f.txt"))
	require.Equal(t, "0123456789\x00\x00abc", string(b))
	require.Equal(t, errnoSuccess, x.call("fd_tell", f, 64))
	require.Equal(t, uint64(8), x.u64(64), "pwrite leaves the offset alone")

	require.Equal(t, errnoSuccess, x.call("fd_filestat_get", f, 200))
	require.Equal(t, filetypeRegularFile, x.mem[216])
	require.Equal(t, uint64(15), x.u64(232))
	require.Equal(t, uint64(1), x.u64(224), "nlink")
	require.Equal(t, errnoFault, x.call("fd_filestat_get", f, uint64(len(x.mem)-63)))
	require.Equal(t, errnoSuccess, x.call("fd_filestat_set_size", f, 4))
	require.Equal(t, errnoInval, x.call("fd_filestat_set_size", f, uint64(1<<63)))
	require.Equal(t, errnoSuccess, x.call("fd_filestat_set_times", f, 5e9, 7e9, uint64(fstAtim|fstMtim)))
	st, _ := os.Stat(filepath.Join(x.dir, "f.txt"))
	require.Equal(t, int64(4), st.Size())
	require.Equal(t, time.Unix(7, 0), st.ModTime())
	require.Equal(t, errnoSuccess, x.call("fd_filestat_set_times", f, 0, 0, uint64(fstMtimNow)))
	st, _ = os.Stat(filepath.Join(x.dir, "f.txt"))
	require.WithinDuration(t, time.Now(), st.ModTime(), time.Minute)
	require.Equal(t, errnoInval, x.call("fd_filestat_set_times", f, 0, 0, uint64(fstAtim|fstAtimNow)))
	require.Equal(t, errnoInval, x.call("fd_filestat_set_times", f, 0, 0, uint64(fstMtim|fstMtimNow)))
	require.Equal(t, errnoInval, x.call("fd_filestat_set_times", f, 0, 0, 16))

	require.Equal(t, errnoSuccess, x.call("fd_allocate", f, 0, 100))
	st, _ = os.Stat(filepath.Join(x.dir, "f.txt"))
	require.Equal(t, int64(100), st.Size())
	require.Equal(t, errnoInval, x.call("fd_allocate", f, 0, 0))
	require.Equal(t, errnoSuccess, x.call("fd_advise", f, 0, 0, 4))
	require.Equal(t, errnoInval, x.call("fd_advise", f, 0, 0, 6))
	require.Equal(t, errnoSuccess, x.call("fd_sync", f))
	require.Equal(t, errnoSuccess, x.call("fd_datasync", f))

	// fdstat flags: append is real, sync flags cannot change.
	require.Equal(t, errnoSuccess, x.call("fd_fdstat_set_flags", f, uint64(fdflagAppend)))
	copy(x.mem[100:], "Z")
	x.iov(0, 100, 1)
	require.Equal(t, errnoSuccess, x.call("fd_write", f, 0, 1, 64))
	st, _ = os.Stat(filepath.Join(x.dir, "f.txt"))
	require.Equal(t, int64(101), st.Size())
	require.Equal(t, errnoNotsup, x.call("fd_fdstat_set_flags", f, uint64(fdflagSync)))
	require.Equal(t, errnoInval, x.call("fd_fdstat_set_flags", f, 0x20))

	// Rights only shrink, and each call checks its own right.
	require.Equal(t, errnoSuccess, x.call("fd_fdstat_set_rights", f, rightFdRead|rightFdSeek, 0))
	require.Equal(t, errnoNotcapable, x.call("fd_fdstat_set_rights", f, rightFdWrite, 0))
	for _, c := range []struct {
		name string
		args []uint64
	}{
		{"fd_write", []uint64{f, 0, 1, 64}},
		{"fd_pwrite", []uint64{f, 0, 1, 0, 64}},
		{"fd_tell", []uint64{f, 64}},
		{"fd_sync", []uint64{f}},
		{"fd_datasync", []uint64{f}},
		{"fd_advise", []uint64{f, 0, 0, 0}},
		{"fd_allocate", []uint64{f, 0, 1}},
		{"fd_filestat_get", []uint64{f, 64}},
		{"fd_filestat_set_size", []uint64{f, 0}},
		{"fd_filestat_set_times", []uint64{f, 0, 0, 0}},
		{"fd_fdstat_set_flags", []uint64{f, 0}},
		{"fd_readdir", []uint64{f, 0, 10, 0, 64}},
	} {
		want := errnoNotcapable
		if c.name == "fd_readdir" {
			want = errnoNotdir
		}
		require.Equal(t, want, x.call(c.name, c.args...), c.name)
	}
	require.Equal(t, errnoSuccess, x.call("fd_read", f, 0, 1, 64))

	// Directories: read is EISDIR, seek works, write is refused.
	d := uint64(3)
	require.Equal(t, errnoIsdir, x.call("fd_read", d, 0, 1, 64))
	require.Equal(t, errnoIsdir, x.call("fd_pread", d, 0, 1, 0, 64))
	require.Equal(t, errnoNotcapable, x.call("fd_write", d, 0, 1, 64))
	require.Equal(t, errnoSuccess, x.call("fd_filestat_get", d, 200))
	require.Equal(t, filetypeDirectory, x.mem[216])
}

func TestPathOpen(t *testing.T) { withResolvers(t, testPathOpen) }

func testPathOpen(t *testing.T) {
	x := newTH(t, nil)
	require.NoError(t, os.Symlink("f.txt", filepath.Join(x.dir, "ln")))
	require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(x.dir, "abs")))
	for _, c := range []struct {
		path    string
		oflags  uint16
		rights  uint64
		fdflags uint16
		want    Errno
	}{
		{"f.txt", 0, rightFdRead, 0, errnoSuccess},
		{"", 0, rightFdRead, 0, errnoNoent},
		{"missing", 0, rightFdRead, 0, errnoNoent},
		{"/etc/passwd", 0, rightFdRead, 0, errnoNotcapable},
		{"../x", 0, rightFdRead, 0, errnoNotcapable},
		{"sub/../../x", 0, rightFdRead, 0, errnoNotcapable},
		{"sub/../f.txt", 0, rightFdRead, 0, errnoSuccess},
		{"abs", 0, rightFdRead, 0, errnoNoent}, // <preopen>/etc/passwd
		{"a\x00b", 0, rightFdRead, 0, errnoInval},
		{"f.txt", oflagDirectory, rightFdRead, 0, errnoNotdir},
		{"f.txt/", 0, rightFdRead, 0, errnoNotdir},
		{"sub", 0, rightFdWrite, 0, errnoIsdir},
		{"sub", oflagDirectory, rightFdReaddir, 0, errnoSuccess},
		{"f.txt", oflagCreat | oflagExcl, rightFdWrite, 0, errnoExist},
		{"new", oflagCreat | oflagExcl, rightFdWrite, 0, errnoSuccess},
		{"f.txt", 0x10, rightFdRead, 0, errnoInval},
		{"f.txt", 0, rightFdRead, 0x20, errnoInval},
		{"f.txt", oflagTrunc, rightFdWrite, fdflagAppend | fdflagSync, errnoSuccess},
	} {
		_, errno := x.open(c.path, c.oflags, c.rights, c.fdflags)
		require.Equal(t, c.want, errno, "%q", c.path)
	}
	// Without SYMLINK_FOLLOW a final symlink is ELOOP.
	p, n := x.str(1000, "ln")
	require.Equal(t, errnoLoop, x.call("path_open", 3, 0, p, n, 0, rightFdRead, 0, 0, 900))
	require.Equal(t, errnoSuccess, x.call("path_open", 3, 1, p, n, 0, rightFdRead, 0, 0, 900))
	require.Equal(t, errnoFault, x.call("path_open", 3, 1, p, n, 0, rightFdRead, 0, 0, oob))
	require.Equal(t, errnoFault, x.call("path_open", 3, 1, oob, n, 0, rightFdRead, 0, 0, 900))
	require.Equal(t, errnoBadf, x.call("path_open", 99, 1, p, n, 0, rightFdRead, 0, 0, 900))
	require.Equal(t, errnoNotdir, x.call("path_open", 0, 1, p, n, 0, rightFdRead, 0, 0, 900))

	// Granted rights are the intersection with the directory's inheriting
	// rights; the new fd's type decides which make sense.
	fd, errno := x.open("f.txt", 0, rightsAll, 0)
	require.Equal(t, errnoSuccess, errno)
	require.Equal(t, errnoSuccess, x.call("fd_fdstat_get", uint64(fd), 64))
	require.Equal(t, uint64(rightsFile), x.u64(72))
	// A directory whose inheriting rights lack PATH_OPEN cannot open.
	require.Equal(t, errnoSuccess, x.call("fd_fdstat_set_rights", 3, rightsDir&^rightPathOpen, rightsAll))
	_, errno = x.open("f.txt", 0, rightFdRead, 0)
	require.Equal(t, errnoNotcapable, errno)
}

func TestReadOnlyPreopen(t *testing.T) { withResolvers(t, testReadOnlyPreopen) }

func testReadOnlyPreopen(t *testing.T) {
	x := newTH(t, nil)
	p, n := x.str(1000, "r.txt")
	q, m := x.str(1100, "other")
	open := func(oflags uint16, rights uint64) Errno {
		return x.call("path_open", 4, 1, p, n, uint64(oflags), rights, 0, 0, 900)
	}
	// Everything but FD_WRITE: the rights allow it, the preopen does not.
	require.Equal(t, errnoSuccess, open(0, rightsFile&^rightFdWrite))
	ro := uint64(x.u32(900))
	require.Equal(t, errnoRofs, open(0, rightFdWrite))
	require.Equal(t, errnoRofs, open(oflagTrunc, rightFdRead))
	require.Equal(t, errnoRofs, open(oflagCreat, rightFdRead))
	require.Equal(t, errnoRofs, x.call("path_create_directory", 4, q, m))
	require.Equal(t, errnoRofs, x.call("path_unlink_file", 4, p, n))
	require.Equal(t, errnoRofs, x.call("path_remove_directory", 4, p, n))
	require.Equal(t, errnoRofs, x.call("path_symlink", p, n, 4, q, m))
	require.Equal(t, errnoRofs, x.call("path_rename", 4, p, n, 4, q, m))
	require.Equal(t, errnoRofs, x.call("path_rename", 4, p, n, 3, q, m))
	require.Equal(t, errnoRofs, x.call("path_link", 3, 0, p, n, 4, q, m))
	require.Equal(t, errnoRofs, x.call("path_filestat_set_times", 4, 0, p, n, 0, 0, uint64(fstMtimNow)))
	require.Equal(t, errnoRofs, x.call("fd_filestat_set_times", ro, 0, 0, uint64(fstMtimNow)))
	require.Equal(t, errnoRofs, x.call("fd_filestat_set_size", ro, 0))
	require.Equal(t, errnoRofs, x.call("fd_allocate", ro, 0, 1))
	require.Equal(t, errnoSuccess, x.call("path_filestat_get", 4, 0, p, n, 200))
	ents, _ := os.ReadDir(x.ro)
	require.Len(t, ents, 1)
	b, _ := os.ReadFile(filepath.Join(x.ro, "r.txt"))
	require.Equal(t, "ro", string(b))
}

func TestPathOps(t *testing.T) { withResolvers(t, testPathOps) }

func testPathOps(t *testing.T) {
	x := newTH(t, nil)
	// A host program may still make absolute links beneath a preopen.
	require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(x.dir, "abs")))
	call := func(name string, paths ...string) Errno {
		var args []uint64
		ptr := uint32(1000)
		str := func(s string) {
			p, n := x.str(ptr, s)
			ptr += 256
			args = append(args, p, n)
		}
		switch name {
		case "path_create_directory", "path_unlink_file", "path_remove_directory":
			args = append(args, 3)
			str(paths[0])
		case "path_rename":
			args = append(args, 3)
			str(paths[0])
			args = append(args, 3)
			str(paths[1])
		case "path_symlink":
			str(paths[0])
			args = append(args, 3)
			str(paths[1])
		case "path_link":
			args = append(args, 3, 0)
			str(paths[0])
			args = append(args, 3)
			str(paths[1])
		case "path_readlink":
			args = append(args, 3)
			str(paths[0])
			args = append(args, 200, 8, 64)
		case "path_filestat_get":
			args = append(args, 3, 0)
			str(paths[0])
			args = append(args, 200)
		}
		return x.call(name, args...)
	}
	for _, c := range []struct {
		name  string
		paths []string
		want  Errno
	}{
		{"path_create_directory", []string{"d"}, errnoSuccess},
		{"path_create_directory", []string{"d"}, errnoExist},
		{"path_create_directory", []string{"d/e/"}, errnoSuccess},
		{"path_create_directory", []string{"../d"}, errnoNotcapable},
		{"path_create_directory", []string{"/d"}, errnoNotcapable},
		{"path_create_directory", []string{""}, errnoNoent},
		{"path_create_directory", []string{"."}, errnoExist},
		{"path_create_directory", []string{".."}, errnoNotcapable},
		{"path_create_directory", []string{"sub/.."}, errnoExist},
		{"path_remove_directory", []string{"d"}, errnoNotempty},
		{"path_remove_directory", []string{"f.txt"}, errnoNotdir},
		{"path_remove_directory", []string{"."}, errnoInval},
		{"path_remove_directory", []string{".."}, errnoNotcapable},
		{"path_remove_directory", []string{"d/e/"}, errnoSuccess},
		{"path_unlink_file", []string{"d"}, errnoIsdir},
		{"path_unlink_file", []string{"f.txt/"}, errnoNotdir},
		{"path_unlink_file", []string{"missing"}, errnoNoent},
		{"path_symlink", []string{"f.txt", "sl"}, errnoSuccess},
		{"path_symlink", []string{"f.txt", "sl"}, errnoExist},
		// Absolute targets and targets climbing above the preopen are
		// refused (as Wasmtime does), wherever the link is made.
		{"path_symlink", []string{"/etc/passwd", "abs"}, errnoPerm},
		{"path_symlink", []string{"/", "abs"}, errnoPerm},
		{"path_symlink", []string{"..", "up"}, errnoPerm},
		{"path_symlink", []string{"../x", "up"}, errnoPerm},
		{"path_symlink", []string{"sub/../../f.txt", "up"}, errnoPerm},
		{"path_symlink", []string{"../../f.txt", "sub/up"}, errnoPerm},
		{"path_symlink", []string{"../f.txt", "sub/ok"}, errnoSuccess},
		{"path_symlink", []string{"./sub/../f.txt", "ok"}, errnoSuccess},
		{"path_symlink", []string{"x", "../sl"}, errnoNotcapable},
		{"path_readlink", []string{"sl"}, errnoSuccess},
		{"path_readlink", []string{"f.txt"}, errnoInval},
		{"path_readlink", []string{"../x"}, errnoNotcapable},
		{"path_filestat_get", []string{"abs"}, errnoSuccess}, // the link itself (made by the host)
		{"path_filestat_get", []string{"abs/x"}, errnoNoent}, // <preopen>/etc/passwd/x
		{"path_filestat_get", []string{"sub/ok"}, errnoSuccess},
		{"path_link", []string{"f.txt", "hard"}, errnoSuccess},
		{"path_link", []string{"f.txt", "hard"}, errnoExist},
		{"path_link", []string{"sub", "hard2"}, errnoPerm},
		{"path_link", []string{"abs", "hard3"}, errnoSuccess}, // links the symlink
		{"path_rename", []string{"hard", "d/moved"}, errnoSuccess},
		{"path_rename", []string{"d", "f.txt"}, errnoNotdir},
		{"path_rename", []string{"f.txt", "d"}, errnoIsdir},
		{"path_rename", []string{"missing", "x"}, errnoNoent},
		{"path_rename", []string{"f.txt", "../x"}, errnoNotcapable},
		{"path_unlink_file", []string{"d/moved"}, errnoSuccess},
		{"path_remove_directory", []string{"d"}, errnoSuccess},
	} {
		require.Equal(t, c.want, call(c.name, c.paths...), "%s %q", c.name, c.paths)
	}
	p, n := x.str(1000, "sl")
	require.Equal(t, errnoSuccess, x.call("path_readlink", 3, p, n, 200, 3, 64))
	require.Equal(t, uint32(3), x.u32(64), "truncated to the buffer")
	require.Equal(t, "f.t", string(x.mem[200:203]))
	require.Equal(t, errnoFault, x.call("path_readlink", 3, p, n, oob, 3, 64))
	require.Equal(t, errnoFault, x.call("path_readlink", 3, p, n, 200, 3, oob))
	require.Equal(t, errnoFault, x.call("path_filestat_get", 3, 0, p, n, uint64(len(x.mem)-8)))
	require.Equal(t, errnoSuccess, x.call("path_filestat_get", 3, 1, p, n, 200))
	require.Equal(t, filetypeRegularFile, x.mem[216])
	require.Equal(t, uint64(10), x.u64(232))
	require.Equal(t, errnoSuccess, x.call("path_filestat_get", 3, 0, p, n, 200))
	require.Equal(t, filetypeSymbolicLink, x.mem[216])
	require.Equal(t, errnoSuccess, x.call("path_filestat_set_times", 3, 1, p, n, 0, 3e9, uint64(fstMtim)))
	st, _ := os.Stat(filepath.Join(x.dir, "f.txt"))
	require.Equal(t, time.Unix(3, 0), st.ModTime(), "followed to the target")
	require.Equal(t, errnoSuccess, x.call("path_filestat_set_times", 3, 0, p, n, 0, 4e9, uint64(fstMtim)))
	lst, _ := os.Lstat(filepath.Join(x.dir, "sl"))
	require.Equal(t, time.Unix(4, 0), lst.ModTime(), "the link itself")
	require.Equal(t, errnoInval, x.call("path_filestat_set_times", 3, 0, p, n, 0, 0, uint64(fstAtim|fstAtimNow)))
	a, an := x.str(1300, "abs")
	// abs -> /etc/passwd names <preopen>/etc/passwd, which does not exist.
	require.Equal(t, errnoNoent, x.call("path_filestat_set_times", 3, 1, a, an, 0, 0, uint64(fstMtimNow)))
	b, bn := x.str(1400, "stolen")
	require.Equal(t, errnoNoent, x.call("path_link", 3, 1, a, an, 3, b, bn), "follow stays beneath")
	require.Equal(t, errnoSuccess, x.call("path_link", 3, 1, p, n, 3, b, bn))
	st, _ = os.Lstat(filepath.Join(x.dir, "stolen"))
	require.True(t, st.Mode().IsRegular())
	require.Equal(t, errnoNotdir, x.call("path_unlink_file", 0, p, n))
	require.Equal(t, errnoBadf, x.call("path_unlink_file", 50, p, n))
	require.Equal(t, errnoFault, x.call("path_unlink_file", 3, oob, n))
}

// TestReaddir pages through a directory with every buffer size from one
// byte up, the way wasi-libc does: a full buffer means "call again from
// the last whole entry's cookie, with a bigger buffer if not even one
// entry fitted".
func TestReaddir(t *testing.T) { withResolvers(t, testReaddir) }

func testReaddir(t *testing.T) {
	x := newTH(t, nil)
	want := []string{".", "..", "f.txt", "sub"}
	for i := range 40 {
		name := filepath.Join(x.dir, "sub", "file-"+string(rune('a'+i%26))+string(rune('0'+i/26)))
		require.NoError(t, os.WriteFile(name, nil, 0o644))
	}
	dfd, errno := x.open("sub", oflagDirectory, rightFdReaddir, 0)
	require.Equal(t, errnoSuccess, errno)
	sub, _ := os.ReadDir(filepath.Join(x.dir, "sub"))
	wantSub := []string{".", ".."}
	for _, e := range sub {
		wantSub = append(wantSub, e.Name())
	}
	sort.Strings(wantSub)

	list := func(fd uint64, bufLen uint32) []string {
		var names []string
		cookie := uint64(0)
		for {
			require.Equal(t, errnoSuccess, x.call("fd_readdir", fd, 4096, uint64(bufLen), cookie, 64))
			used := x.u32(64)
			b := x.mem[4096 : 4096+used]
			progressed := false
			for len(b) >= direntSize {
				namlen := binary.LittleEndian.Uint32(b[16:])
				if uint32(len(b)) < direntSize+namlen {
					break
				}
				names = append(names, string(b[direntSize:direntSize+namlen]))
				cookie = binary.LittleEndian.Uint64(b)
				b = b[direntSize+namlen:]
				progressed = true
			}
			if used < bufLen {
				require.Empty(t, b, "partial entry in a short buffer")
				sort.Strings(names)
				return names
			}
			if !progressed {
				bufLen *= 2
			}
		}
	}
	for size := uint32(1); size < 200; size += 7 {
		require.Equal(t, wantSub, list(uint64(dfd), size), "buffer %d", size)
	}
	require.Equal(t, want, list(3, 4000))

	// Entry fields: inode and type.
	require.Equal(t, errnoSuccess, x.call("fd_readdir", 3, 4096, 4000, 0, 64))
	for b := x.mem[4096 : 4096+x.u32(64)]; len(b) > 0; {
		namlen := binary.LittleEndian.Uint32(b[16:])
		name := string(b[direntSize : direntSize+namlen])
		if name == "f.txt" || name == "sub" {
			var st os.FileInfo
			st, _ = os.Stat(filepath.Join(x.dir, name))
			wantType := filetypeRegularFile
			if st.IsDir() {
				wantType = filetypeDirectory
			}
			require.Equal(t, wantType, b[20], name)
			require.NotZero(t, binary.LittleEndian.Uint64(b[8:]))
		}
		b = b[direntSize+namlen:]
	}
	// A cookie past the end yields nothing; bad pointers fault.
	require.Equal(t, errnoSuccess, x.call("fd_readdir", 3, 4096, 4000, 1000, 64))
	require.Equal(t, uint32(0), x.u32(64))
	require.Equal(t, errnoFault, x.call("fd_readdir", 3, uint64(len(x.mem)-10), 4000, 0, 64))
	require.Equal(t, errnoFault, x.call("fd_readdir", 3, 4096, 10, 0, oob))
	require.Equal(t, errnoNotdir, x.call("fd_readdir", 1, 4096, 10, 0, 64))
	require.Equal(t, errnoBadf, x.call("fd_readdir", 77, 4096, 10, 0, 64))
}

// TestSymlinkSwapRace swaps a symlink between an inside and an outside
// target while the guest keeps opening it: the guest may see an error
// (ENOTCAPABLE, or ENOENT for the absolute target, which names a path
// inside the preopen) or the inside file, never the outside one.
func TestSymlinkSwapRace(t *testing.T) { withResolvers(t, testSymlinkSwapRace) }

func testSymlinkSwapRace(t *testing.T) {
	x := newTH(t, nil)
	outside := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(outside, "f.txt"), []byte("SECRET"), 0o644))
	link := filepath.Join(x.dir, "swap")
	require.NoError(t, os.WriteFile(filepath.Join(x.dir, "sub", "f.txt"), []byte("inside"), 0o644))
	require.NoError(t, os.Symlink("sub", link))
	var stop atomic.Bool
	var wg sync.WaitGroup
	defer wg.Wait()
	defer stop.Store(true)
	wg.Add(1)
	go func() {
		defer wg.Done()
		targets := []string{"sub", outside, "../" + filepath.Base(outside)}
		for i := 0; !stop.Load(); i++ {
			tmp := link + ".tmp"
			os.Remove(tmp)
			if os.Symlink(targets[i%len(targets)], tmp) == nil {
				os.Rename(tmp, link)
			}
		}
	}()
	opened := 0
	deadline := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(deadline) {
		fd, errno := x.open("swap/f.txt", 0, rightFdRead, 0)
		if errno != errnoSuccess {
			require.Contains(t, []Errno{errnoNotcapable, errnoNoent}, errno)
			continue
		}
		opened++
		x.iov(0, 100, 10)
		require.Equal(t, errnoSuccess, x.call("fd_read", uint64(fd), 0, 1, 64))
		require.Equal(t, "inside", string(x.mem[100:100+x.u32(64)]))
		require.Equal(t, errnoSuccess, x.call("fd_close", uint64(fd)))
	}
	require.NotZero(t, opened)
}
