package wasi

import (
	"context"
	"strconv"
	"strings"
	"syscall"
)

// dirFor returns the directory fd entry for a path call needing rights.
func (h *Host) dirFor(fd uint32, need uint64) (*fileEntry, Errno) {
	e, errno := h.get(fd)
	if errno != errnoSuccess {
		return nil, errno
	}
	if e.filetype != filetypeDirectory {
		return nil, errnoNotdir
	}
	if e.rightsBase&need != need {
		return nil, errnoNotcapable
	}
	return e, errnoSuccess
}

// at is a path split into a directory resolved beneath the guest's
// directory fd and a final component the kernel may act on with an *at
// call that does not follow it.
type at struct {
	fd       int
	name     string // no slash
	trailing bool   // the guest path ended in '/'
	owned    bool
}

func (a at) close() {
	if a.owned {
		syscall.Close(a.fd)
	}
}

// slashed is the final component with the guest's trailing slash, for
// calls that never follow the final component (unlink, rmdir, rename,
// mkdir, symlink) and so get the kernel's own trailing-slash rules.
func (a at) slashed() string {
	if a.trailing {
		return a.name + "/"
	}
	return a.name
}

func splitBeneath(dirfd, root int, path string) (at, Errno) {
	if path == "" {
		return at{}, errnoNoent
	}
	if path[0] == '/' {
		return at{}, errnoNotcapable
	}
	trailing := false
	for len(path) > 1 && path[len(path)-1] == '/' {
		path, trailing = path[:len(path)-1], true
	}
	dir, name := "", path
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		dir, name = path[:i+1], path[i+1:]
	}
	if name == "." || name == ".." {
		// Act on "." inside the resolved directory, so that ".." can never
		// name the parent of the preopen.
		dir, name = path, "."
	}
	if dir == "" {
		return at{fd: dirfd, name: name, trailing: trailing}, errnoSuccess
	}
	fd, err := openBeneath(dirfd, root, dir, oPath|syscall.O_DIRECTORY, 0)
	if err != nil {
		return at{}, toErrno(err)
	}
	return at{fd: fd, name: name, trailing: trailing, owned: true}, errnoSuccess
}

// guestPath decodes a path argument.
// dirPath returns the directory entry of a path call that needs rights, and the guest path it
// names, in that order of checks.
func (h *Host) dirPath(m mem, fd, ptr, n uint64, need uint64) (*fileEntry, string, Errno) {
	d, errno := h.dirFor(uint32(fd), need)
	if errno != errnoSuccess {
		return nil, "", errno
	}
	p, errno := guestPath(m, ptr, n)
	if errno != errnoSuccess {
		return nil, "", errno
	}
	return d, p, errnoSuccess
}

func guestPath(m mem, ptr, n uint64) (string, Errno) {
	return m.path(uint32(ptr), uint32(n))
}

func (h *Host) pathCreateDirectory(_ context.Context, m mem, s []uint64) Errno {
	d, p, errno := h.dirPath(m, s[0], s[1], s[2], rightPathCreateDirectory)
	if errno != errnoSuccess {
		return errno
	}
	a, errno := splitBeneath(d.hostFd, d.rootFd(), p)
	if errno != errnoSuccess {
		return errno
	}
	defer a.close()
	if d.readOnly {
		return errnoRofs
	}
	return toErrno(syscall.Mkdirat(a.fd, a.slashed(), 0o777))
}

// openPath opens the object a guest path names as O_PATH, following a
// final symlink only when lookupflags says so; the kernel keeps every
// step, the followed symlink included, beneath dirfd.
func openPath(dirfd, root int, path string, lookup uint32) (int, Errno) {
	if path == "" {
		return -1, errnoNoent
	}
	flags := oPath
	if lookup&lookupSymlinkFollow == 0 {
		flags |= syscall.O_NOFOLLOW
	}
	fd, err := openBeneath(dirfd, root, path, flags, 0)
	if err != nil {
		return -1, toErrno(err)
	}
	return fd, errnoSuccess
}

func (h *Host) pathFilestatGet(_ context.Context, m mem, s []uint64) Errno {
	d, p, errno := h.dirPath(m, s[0], s[2], s[3], rightPathFilestatGet)
	if errno != errnoSuccess {
		return errno
	}
	ptr := uint32(s[4])
	if _, ok := m.slice(ptr, filestatSize); !ok {
		return errnoFault
	}
	fd, errno := openPath(d.hostFd, d.rootFd(), p, uint32(s[1]))
	if errno != errnoSuccess {
		return errno
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return toErrno(err)
	}
	putFilestat(m, ptr, &st)
	return errnoSuccess
}

func (h *Host) pathFilestatSetTimes(_ context.Context, m mem, s []uint64) Errno {
	d, p, errno := h.dirPath(m, s[0], s[2], s[3], rightPathFilestatSetTimes)
	if errno != errnoSuccess {
		return errno
	}
	ts, errno := timespecs(s[4], s[5], uint16(s[6]))
	if errno != errnoSuccess {
		return errno
	}
	if d.readOnly {
		return errnoRofs
	}
	if uint32(s[1])&lookupSymlinkFollow != 0 {
		fd, errno := openPath(d.hostFd, d.rootFd(), p, lookupSymlinkFollow)
		if errno != errnoSuccess {
			return errno
		}
		defer syscall.Close(fd)
		return toErrno(utimensat(fd, "", ts, atEmptyPath))
	}
	a, errno := splitBeneath(d.hostFd, d.rootFd(), p)
	if errno != errnoSuccess {
		return errno
	}
	defer a.close()
	return toErrno(utimensat(a.fd, a.name, ts, atSymlinkNofollow))
}

func (h *Host) pathLink(_ context.Context, m mem, s []uint64) Errno {
	od, op, errno := h.dirPath(m, s[0], s[2], s[3], rightPathLinkSource)
	if errno != errnoSuccess {
		return errno
	}
	nd, np, errno := h.dirPath(m, s[4], s[5], s[6], rightPathLinkTarget)
	if errno != errnoSuccess {
		return errno
	}
	if nd.readOnly {
		return errnoRofs
	}
	na, errno := splitBeneath(nd.hostFd, nd.rootFd(), np)
	if errno != errnoSuccess {
		return errno
	}
	defer na.close()
	if na.trailing {
		return errnoNoent
	}
	if uint32(s[1])&lookupSymlinkFollow != 0 {
		// Resolve the symlink beneath the directory first, then link the
		// object it names: the kernel's own AT_SYMLINK_FOLLOW would not
		// stay beneath it.
		fd, errno := openPath(od.hostFd, od.rootFd(), op, lookupSymlinkFollow)
		if errno != errnoSuccess {
			return errno
		}
		defer syscall.Close(fd)
		err := linkat(fd, "", na.fd, na.name, atEmptyPath)
		if err == syscall.ENOENT || err == syscall.EPERM {
			// AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; the fd's proc
			// link is the unprivileged way to name the same object.
			err = linkat(-100, "/proc/self/fd/"+strconv.Itoa(fd), na.fd, na.name, atSymlinkFollow)
		}
		return toErrno(err)
	}
	oa, errno := splitBeneath(od.hostFd, od.rootFd(), op)
	if errno != errnoSuccess {
		return errno
	}
	defer oa.close()
	return toErrno(linkat(oa.fd, oa.slashed(), na.fd, na.name, 0))
}

func (h *Host) pathOpen(_ context.Context, m mem, s []uint64) Errno {
	lookup, oflags := uint32(s[1]), uint32(s[4])
	base, inherit, fdflags, resPtr := s[5], s[6], uint32(s[7]), uint32(s[8])
	need := rightPathOpen
	if oflags&uint32(oflagCreat) != 0 {
		need |= rightPathCreateFile
	}
	d, p, errno := h.dirPath(m, s[0], s[2], s[3], need)
	if errno != errnoSuccess {
		return errno
	}
	if _, ok := m.slice(resPtr, 4); !ok {
		return errnoFault
	}
	if oflags > 0xf || fdflags > 0x1f {
		return errnoInval
	}
	if p == "" {
		return errnoNoent
	}
	write := base&rightFdWrite != 0
	read := base&(rightFdRead|rightFdReaddir) != 0
	if d.readOnly && (write || oflags&uint32(oflagCreat|oflagTrunc) != 0) {
		return errnoRofs
	}
	if oflags&uint32(oflagTrunc) != 0 && !mayTruncate(d, base) {
		return errnoNotcapable
	}
	flags := syscall.O_RDONLY
	switch {
	case write && read:
		flags = syscall.O_RDWR
	case write:
		flags = syscall.O_WRONLY
	}
	flags |= oLargefile
	if oflags&uint32(oflagCreat) != 0 {
		flags |= syscall.O_CREAT
	}
	if oflags&uint32(oflagExcl) != 0 {
		flags |= syscall.O_EXCL
	}
	if oflags&uint32(oflagTrunc) != 0 {
		flags |= syscall.O_TRUNC
	}
	if oflags&uint32(oflagDirectory) != 0 {
		flags |= syscall.O_DIRECTORY
	}
	if lookup&lookupSymlinkFollow == 0 {
		flags |= syscall.O_NOFOLLOW
	}
	ff := uint16(fdflags)
	if ff&fdflagAppend != 0 {
		flags |= syscall.O_APPEND
	}
	if ff&fdflagNonblock != 0 {
		flags |= syscall.O_NONBLOCK
	}
	switch {
	case ff&(fdflagSync|fdflagRsync) != 0:
		flags |= syscall.O_SYNC
	case ff&fdflagDsync != 0:
		flags |= syscall.O_DSYNC
	}
	// Opening a FIFO without a peer would block the host forever, so the
	// open itself is always non-blocking; the guest's mode is restored
	// right after.
	fd, err := openBeneath(d.hostFd, d.rootFd(), p, flags|syscall.O_NONBLOCK, 0o666)
	if err != nil {
		return toErrno(err)
	}
	if ff&fdflagNonblock == 0 {
		if _, err := fcntl(fd, syscall.F_SETFL, flags&^syscall.O_NONBLOCK); err != nil {
			syscall.Close(fd)
			return toErrno(err)
		}
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return toErrno(err)
	}
	e := &fileEntry{
		filetype:      filetypeOf(st.Mode),
		rightsBase:    base & d.rightsInherit,
		rightsInherit: inherit & d.rightsInherit,
		fdflags:       ff,
		readOnly:      d.readOnly,
		hostFd:        fd,
		root:          d.root,
	}
	if e.filetype == filetypeDirectory {
		e.rightsBase &= rightsDir
	} else {
		e.rightsBase &= rightsFile
	}
	newFd, errno := h.insert(e)
	if errno != errnoSuccess {
		syscall.Close(fd)
		return errno
	}
	m.putU32(resPtr, newFd)
	return errnoSuccess
}

// mayTruncate reports whether path_open beneath directory d may truncate
// the file it opens with the rights base. The spec names
// PATH_FILESTAT_SET_SIZE on the directory. Go's wasip1 port drops that right
// from the directories it opens read-only (os.Root among them) and still
// truncates files beneath them, asking for FD_FILESTAT_SET_SIZE on the new
// fd; Wasmtime treats O_TRUNC as a write to the opened file. So the right to
// size the opened file, granted through d's inheriting rights, allows it
// too: the guest could truncate through the new fd anyway.
func mayTruncate(d *fileEntry, base uint64) bool {
	return d.rightsBase&rightPathFilestatSetSize != 0 ||
		base&d.rightsInherit&rightFdFilestatSetSize != 0
}

func (h *Host) pathReadlink(_ context.Context, m mem, s []uint64) Errno {
	d, p, errno := h.dirPath(m, s[0], s[1], s[2], rightPathReadlink)
	if errno != errnoSuccess {
		return errno
	}
	buf, ok := m.slice(uint32(s[3]), uint32(s[4]))
	if !ok {
		return errnoFault
	}
	usedPtr := uint32(s[5])
	if _, ok := m.slice(usedPtr, 4); !ok {
		return errnoFault
	}
	a, errno := splitBeneath(d.hostFd, d.rootFd(), p)
	if errno != errnoSuccess {
		return errno
	}
	defer a.close()
	if a.trailing {
		return errnoNotdir
	}
	tmp := make([]byte, 4096)
	n, err := readlinkat(a.fd, a.name, tmp)
	if err != nil {
		return toErrno(err)
	}
	// A short buffer gets the target truncated, as readlink(2) does.
	m.putU32(usedPtr, uint32(copy(buf, tmp[:n])))
	return errnoSuccess
}

// mutate runs one single-path modification: mkdir-like calls that must
// refuse read-only preopens.
func (h *Host) mutate(m mem, s []uint64, need uint64, op func(a at) error) Errno {
	d, p, errno := h.dirPath(m, s[0], s[1], s[2], need)
	if errno != errnoSuccess {
		return errno
	}
	a, errno := splitBeneath(d.hostFd, d.rootFd(), p)
	if errno != errnoSuccess {
		return errno
	}
	defer a.close()
	if d.readOnly {
		return errnoRofs
	}
	return toErrno(op(a))
}

func (h *Host) pathRemoveDirectory(_ context.Context, m mem, s []uint64) Errno {
	return h.mutate(m, s, rightPathRemoveDirectory, func(a at) error {
		return unlinkat(a.fd, a.slashed(), atRemovedir)
	})
}

func (h *Host) pathUnlinkFile(_ context.Context, m mem, s []uint64) Errno {
	return h.mutate(m, s, rightPathUnlinkFile, func(a at) error {
		return unlinkat(a.fd, a.slashed(), 0)
	})
}

func (h *Host) pathRename(_ context.Context, m mem, s []uint64) Errno {
	od, op, errno := h.dirPath(m, s[0], s[1], s[2], rightPathRenameSource)
	if errno != errnoSuccess {
		return errno
	}
	nd, np, errno := h.dirPath(m, s[3], s[4], s[5], rightPathRenameTarget)
	if errno != errnoSuccess {
		return errno
	}
	oa, errno := splitBeneath(od.hostFd, od.rootFd(), op)
	if errno != errnoSuccess {
		return errno
	}
	defer oa.close()
	na, errno := splitBeneath(nd.hostFd, nd.rootFd(), np)
	if errno != errnoSuccess {
		return errno
	}
	defer na.close()
	if od.readOnly || nd.readOnly {
		return errnoRofs
	}
	return toErrno(syscall.Renameat(oa.fd, oa.slashed(), na.fd, na.slashed()))
}

func (h *Host) pathSymlink(_ context.Context, m mem, s []uint64) Errno {
	target, errno := guestPath(m, s[0], s[1])
	if errno != errnoSuccess {
		return errno
	}
	d, p, errno := h.dirPath(m, s[2], s[3], s[4], rightPathSymlink)
	if errno != errnoSuccess {
		return errno
	}
	a, errno := splitBeneath(d.hostFd, d.rootFd(), p)
	if errno != errnoSuccess {
		return errno
	}
	defer a.close()
	if d.readOnly {
		return errnoRofs
	}
	// Lookups never follow a link out of its preopen, but the link is
	// also there for host programs to follow: like Wasmtime, refuse an
	// absolute target, and also one whose ".." climbs above the preopen
	// from where the link is made.
	if strings.HasPrefix(target, "/") {
		return errnoPerm
	}
	if errno := climbsOut(a.fd, d.rootFd(), target); errno != errnoSuccess {
		return errno
	}
	return toErrno(symlinkat(target, a.fd, a.slashed()))
}

// climbsOut returns EPERM if the relative symlink target, read from the
// directory dirfd, climbs above the preopen root: more ".." components
// than dirfd's depth below root at some point. Without a root it allows
// anything.
func climbsOut(dirfd, root int, target string) Errno {
	if root < 0 || !strings.Contains(target, "..") {
		return errnoSuccess
	}
	depth := -1 // dirfd's depth below root, found at the first ".." that needs it
	level := 0  // how far the target has gone down (+) or up (-) from dirfd
	for _, c := range strings.Split(target, "/") {
		switch c {
		case "", ".":
		case "..":
			level--
			if depth < 0 {
				var errno Errno
				if depth, errno = depthBelow(dirfd, root); errno != errnoSuccess {
					return errno
				}
			}
			if depth+level < 0 {
				return errnoPerm
			}
		default:
			level++
		}
	}
	return errnoSuccess
}

// depthBelow is how many directories dirfd lies below root (0 for root
// itself).
func depthBelow(dirfd, root int) (int, Errno) {
	var st, rst syscall.Stat_t
	if err := syscall.Fstat(dirfd, &st); err != nil {
		return 0, toErrno(err)
	}
	if err := syscall.Fstat(root, &rst); err != nil {
		return 0, toErrno(err)
	}
	if st.Dev == rst.Dev && st.Ino == rst.Ino {
		return 0, errnoSuccess
	}
	up, err := ancestors(dirfd, root)
	if err != nil {
		return 0, toErrno(err)
	}
	for _, fd := range up {
		syscall.Close(fd)
	}
	return len(up) + 1, errnoSuccess
}
