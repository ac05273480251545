package wasi

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDirectoryNotSeekable: directory fds carry no FD_SEEK or FD_TELL right, and fd_seek and
// fd_tell on one fail with EBADF without writing a result. Before, a preopen had both rights and
// fd_seek returned whatever lseek(2) gives for a directory, a file-system-specific cookie.
func TestDirectoryNotSeekable(t *testing.T) { withResolvers(t, testDirectoryNotSeekable) }

func testDirectoryNotSeekable(t *testing.T) {
	x := newTH(t, nil)
	// Asking for the seek rights, as Go does for directories, does not grant them.
	sub, errno := x.open("sub", oflagDirectory, rightFdReaddir|rightPathOpen|rightFdSeek|rightFdTell, 0)
	require.Equal(t, errnoSuccess, errno)
	for _, fd := range []uint32{3, 4, sub} {
		require.Equal(t, errnoSuccess, x.call("fd_fdstat_get", uint64(fd), 100))
		base := x.u64(108)
		require.Zero(t, base&(rightFdSeek|rightFdTell), "fd %d has rights %#x", fd, base)
		for _, whence := range []uint64{0, 1, 2} {
			for _, off := range []int64{0, 1, -1} {
				x.mem[200] = 0xAA
				require.Equal(t, errnoBadf, x.call("fd_seek", uint64(fd), uint64(off), whence, 200), "fd %d seek %d %d", fd, off, whence)
				require.Equal(t, byte(0xAA), x.mem[200], "no offset written")
			}
		}
		require.Equal(t, errnoBadf, x.call("fd_tell", uint64(fd), 200))
		require.Equal(t, byte(0xAA), x.mem[200])
	}
	// A file beneath still seeks.
	f, errno := x.open("f.txt", 0, rightFdRead|rightFdSeek|rightFdTell, 0)
	require.Equal(t, errnoSuccess, errno)
	require.Equal(t, errnoSuccess, x.call("fd_seek", uint64(f), 4, 0, 200))
	require.Equal(t, uint64(4), x.u64(200))
}

// TestTruncateNeedsRight: path_open(O_TRUNC) truncates only with the right to: the spec's
// PATH_FILESTAT_SET_SIZE on the directory, or FD_FILESTAT_SET_SIZE granted to the new fd through
// the directory's inheriting rights (Go's wasip1 port relies on the latter; see mayTruncate).
// Before, O_TRUNC needed no right at all.
func TestTruncateNeedsRight(t *testing.T) { withResolvers(t, testTruncateNeedsRight) }

func testTruncateNeedsRight(t *testing.T) {
	for _, tc := range []struct {
		name          string
		dirBase       uint64 // the rights of fd 3 after fd_fdstat_set_rights
		dirInherit    uint64
		requested     uint64
		want          Errno
		wantTruncated bool
	}{
		{"directory right", rightsDir, rightsAll, rightFdRead, errnoSuccess, true},
		{"fd right inherited", rightsDir &^ rightPathFilestatSetSize, rightsAll, rightFdRead | rightFdFilestatSetSize, errnoSuccess, true},
		{"neither", rightsDir &^ rightPathFilestatSetSize, rightsAll, rightFdRead | rightFdWrite, errnoNotcapable, false},
		{"fd right not inheritable", rightsDir &^ rightPathFilestatSetSize, rightsAll &^ rightFdFilestatSetSize, rightFdRead | rightFdFilestatSetSize, errnoNotcapable, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := newTH(t, nil)
			require.Equal(t, errnoSuccess, x.call("fd_fdstat_set_rights", 3, tc.dirBase, tc.dirInherit))
			_, errno := x.open("f.txt", oflagTrunc, tc.requested, 0)
			require.Equal(t, tc.want, errno)
			b, err := os.ReadFile(filepath.Join(x.dir, "f.txt"))
			require.NoError(t, err)
			require.Equal(t, tc.wantTruncated, len(b) == 0, "contents now %q", b)
		})
	}
}
