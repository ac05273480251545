package wasi

import (
	"errors"
	"syscall"
	"unsafe"
)

// Raw Linux calls the syscall package lacks.

const (
	sysOpenat2          = 437 // same number on every Linux architecture
	resolveNoMagiclinks = 0x02
	resolveBeneath      = 0x08
	atEmptyPath         = 0x1000
	atSymlinkNofollow   = 0x100
	atSymlinkFollow     = 0x400
	atRemovedir         = 0x200
	utimeNow            = 1<<30 - 1
	utimeOmit           = 1<<30 - 2
)

type openHow struct {
	flags, mode, resolve uint64
}

// openat2Beneath opens path relative to dirfd; the kernel refuses (EXDEV)
// any resolution step that leaves dirfd, including through symlinks and
// "..", and checks it atomically, so a symlink swapped in concurrently
// cannot escape either.
func openat2Beneath(dirfd int, path string, flags int, mode uint32) (int, error) {
	p, err := syscall.BytePtrFromString(path)
	if err != nil {
		return -1, err
	}
	how := openHow{flags: uint64(flags | syscall.O_CLOEXEC),
		resolve: resolveBeneath | resolveNoMagiclinks}
	if flags&syscall.O_CREAT != 0 || flags&oTmpfile == oTmpfile {
		how.mode = uint64(mode) // openat2 rejects a mode it would not use
	}
	for tries := 0; ; tries++ {
		fd, _, e := syscall.Syscall6(sysOpenat2, uintptr(dirfd), uintptr(unsafe.Pointer(p)),
			uintptr(unsafe.Pointer(&how)), unsafe.Sizeof(how), 0, 0)
		switch {
		case e == 0:
			return int(fd), nil
		case e == syscall.EINTR || (e == syscall.EAGAIN && tries < 32):
			// EAGAIN: a concurrent rename raced the lookup; retrying is
			// what the kernel asks for.
			continue
		case e == syscall.EXDEV:
			return -1, errEscape
		}
		return -1, e
	}
}

// errEscape marks a path that tried to leave its directory.
var errEscape = errors.New("path escapes its directory")

func utimensat(dirfd int, path string, ts *[2]syscall.Timespec, flags int) error {
	p, err := syscall.BytePtrFromString(path)
	if err != nil {
		return err
	}
	_, _, e := syscall.Syscall6(syscall.SYS_UTIMENSAT, uintptr(dirfd), uintptr(unsafe.Pointer(p)),
		uintptr(unsafe.Pointer(ts)), uintptr(flags), 0, 0)
	return errnoErr(e)
}

func readlinkat(dirfd int, path string, buf []byte) (int, error) {
	p, err := syscall.BytePtrFromString(path)
	if err != nil {
		return 0, err
	}
	var b unsafe.Pointer
	if len(buf) > 0 {
		b = unsafe.Pointer(&buf[0])
	}
	n, _, e := syscall.Syscall6(syscall.SYS_READLINKAT, uintptr(dirfd), uintptr(unsafe.Pointer(p)),
		uintptr(b), uintptr(len(buf)), 0, 0)
	return int(n), errnoErr(e)
}

func linkat(olddirfd int, oldpath string, newdirfd int, newpath string, flags int) error {
	op, err := syscall.BytePtrFromString(oldpath)
	if err != nil {
		return err
	}
	np, err := syscall.BytePtrFromString(newpath)
	if err != nil {
		return err
	}
	_, _, e := syscall.Syscall6(syscall.SYS_LINKAT, uintptr(olddirfd), uintptr(unsafe.Pointer(op)),
		uintptr(newdirfd), uintptr(unsafe.Pointer(np)), uintptr(flags), 0)
	return errnoErr(e)
}

func symlinkat(target string, dirfd int, path string) error {
	tp, err := syscall.BytePtrFromString(target)
	if err != nil {
		return err
	}
	p, err := syscall.BytePtrFromString(path)
	if err != nil {
		return err
	}
	_, _, e := syscall.Syscall(syscall.SYS_SYMLINKAT, uintptr(unsafe.Pointer(tp)), uintptr(dirfd),
		uintptr(unsafe.Pointer(p)))
	return errnoErr(e)
}

func unlinkat(dirfd int, path string, flags int) error {
	p, err := syscall.BytePtrFromString(path)
	if err != nil {
		return err
	}
	_, _, e := syscall.Syscall(syscall.SYS_UNLINKAT, uintptr(dirfd), uintptr(unsafe.Pointer(p)), uintptr(flags))
	return errnoErr(e)
}

func fadvise(fd int, off, n int64, advice int) error {
	_, _, e := syscall.Syscall6(syscall.SYS_FADVISE64, uintptr(fd), uintptr(off), uintptr(n), uintptr(advice), 0, 0)
	return errnoErr(e)
}

type pollFd struct {
	fd      int32
	events  int16
	revents int16
}

const (
	pollIn   = 0x1
	pollOut  = 0x4
	pollErr  = 0x8
	pollHup  = 0x10
	pollNval = 0x20
)

// ppoll waits for fds; timeout < 0 waits forever.
func ppoll(fds []pollFd, timeout int64) (int, error) {
	var ts *syscall.Timespec
	if timeout >= 0 {
		t := syscall.NsecToTimespec(timeout)
		ts = &t
	}
	var p unsafe.Pointer
	if len(fds) > 0 {
		p = unsafe.Pointer(&fds[0])
	}
	n, _, e := syscall.Syscall6(syscall.SYS_PPOLL, uintptr(p), uintptr(len(fds)), uintptr(unsafe.Pointer(ts)), 0, 0, 0)
	return int(n), errnoErr(e)
}

func errnoErr(e syscall.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

func filetypeOf(mode uint32) uint8 {
	switch mode & syscall.S_IFMT {
	case syscall.S_IFREG:
		return filetypeRegularFile
	case syscall.S_IFDIR:
		return filetypeDirectory
	case syscall.S_IFLNK:
		return filetypeSymbolicLink
	case syscall.S_IFCHR:
		return filetypeCharacterDevice
	case syscall.S_IFBLK:
		return filetypeBlockDevice
	case syscall.S_IFSOCK:
		return filetypeSocketStream
	}
	return filetypeUnknown
}

// direntType maps getdents' d_type.
func direntType(t uint8) uint8 {
	switch t {
	case syscall.DT_REG:
		return filetypeRegularFile
	case syscall.DT_DIR:
		return filetypeDirectory
	case syscall.DT_LNK:
		return filetypeSymbolicLink
	case syscall.DT_CHR:
		return filetypeCharacterDevice
	case syscall.DT_BLK:
		return filetypeBlockDevice
	case syscall.DT_SOCK:
		return filetypeSocketStream
	}
	return filetypeUnknown
}

// putFilestat writes a WASI filestat for st at ptr.
func putFilestat(m mem, ptr uint32, st *syscall.Stat_t) bool {
	b, ok := m.slice(ptr, filestatSize)
	if !ok {
		return false
	}
	clear(b)
	m.putU64(ptr, uint64(st.Dev))
	m.putU64(ptr+8, uint64(st.Ino))
	b[16] = filetypeOf(st.Mode)
	m.putU64(ptr+24, uint64(st.Nlink))
	m.putU64(ptr+32, uint64(st.Size))
	m.putU64(ptr+40, uint64(syscall.TimespecToNsec(st.Atim)))
	m.putU64(ptr+48, uint64(syscall.TimespecToNsec(st.Mtim)))
	m.putU64(ptr+56, uint64(syscall.TimespecToNsec(st.Ctim)))
	return true
}

// toErrno maps a host error to the WASI errno the spec names for it.
func toErrno(err error) Errno {
	if err == nil {
		return errnoSuccess
	}
	if errors.Is(err, errEscape) {
		return errnoNotcapable
	}
	var e syscall.Errno
	if !errors.As(err, &e) {
		return errnoIo
	}
	if e == syscall.EWOULDBLOCK {
		return errnoAgain
	}
	if int(e) < len(linuxErrno) && linuxErrno[e] != 0 {
		return linuxErrno[e]
	}
	return errnoIo
}

var linuxErrno = [...]Errno{
	syscall.E2BIG: errno2big, syscall.EACCES: errnoAcces, syscall.EADDRINUSE: errnoAddrinuse,
	syscall.EADDRNOTAVAIL: errnoAddrnotavail, syscall.EAFNOSUPPORT: errnoAfnosupport,
	syscall.EAGAIN: errnoAgain, syscall.EALREADY: errnoAlready, syscall.EBADF: errnoBadf,
	syscall.EBADMSG: errnoBadmsg, syscall.EBUSY: errnoBusy, syscall.ECANCELED: errnoCanceled,
	syscall.ECHILD: errnoChild, syscall.ECONNABORTED: errnoConnaborted,
	syscall.ECONNREFUSED: errnoConnrefused, syscall.ECONNRESET: errnoConnreset,
	syscall.EDEADLK: errnoDeadlk, syscall.EDESTADDRREQ: errnoDestaddrreq, syscall.EDOM: errnoDom,
	syscall.EDQUOT: errnoDquot, syscall.EEXIST: errnoExist, syscall.EFAULT: errnoFault,
	syscall.EFBIG: errnoFbig, syscall.EHOSTUNREACH: errnoHostunreach, syscall.EIDRM: errnoIdrm,
	syscall.EILSEQ: errnoIlseq, syscall.EINPROGRESS: errnoInprogress, syscall.EINTR: errnoIntr,
	syscall.EINVAL: errnoInval, syscall.EIO: errnoIo, syscall.EISCONN: errnoIsconn,
	syscall.EISDIR: errnoIsdir, syscall.ELOOP: errnoLoop, syscall.EMFILE: errnoMfile,
	syscall.EMLINK: errnoMlink, syscall.EMSGSIZE: errnoMsgsize, syscall.EMULTIHOP: errnoMultihop,
	syscall.ENAMETOOLONG: errnoNametoolong, syscall.ENETDOWN: errnoNetdown,
	syscall.ENETRESET: errnoNetreset, syscall.ENETUNREACH: errnoNetunreach,
	syscall.ENFILE: errnoNfile, syscall.ENOBUFS: errnoNobufs, syscall.ENODEV: errnoNodev,
	syscall.ENOENT: errnoNoent, syscall.ENOEXEC: errnoNoexec, syscall.ENOLCK: errnoNolck,
	syscall.ENOLINK: errnoNolink, syscall.ENOMEM: errnoNomem, syscall.ENOMSG: errnoNomsg,
	syscall.ENOPROTOOPT: errnoNoprotoopt, syscall.ENOSPC: errnoNospc, syscall.ENOSYS: errnoNosys,
	syscall.ENOTCONN: errnoNotconn, syscall.ENOTDIR: errnoNotdir, syscall.ENOTEMPTY: errnoNotempty,
	syscall.ENOTRECOVERABLE: errnoNotrecoverable, syscall.ENOTSOCK: errnoNotsock,
	syscall.EOPNOTSUPP: errnoNotsup, syscall.ENOTTY: errnoNotty, syscall.ENXIO: errnoNxio,
	syscall.EOVERFLOW: errnoOverflow, syscall.EOWNERDEAD: errnoOwnerdead, syscall.EPERM: errnoPerm,
	syscall.EPIPE: errnoPipe, syscall.EPROTO: errnoProto,
	syscall.EPROTONOSUPPORT: errnoProtonosupport, syscall.EPROTOTYPE: errnoPrototype,
	syscall.ERANGE: errnoRange, syscall.EROFS: errnoRofs, syscall.ESPIPE: errnoSpipe,
	syscall.ESRCH: errnoSrch, syscall.ESTALE: errnoStale, syscall.ETIMEDOUT: errnoTimedout,
	syscall.ETXTBSY: errnoTxtbsy, syscall.EXDEV: errnoXdev,
}

// O_PATH and O_TMPFILE, the same on amd64 and arm64.
const (
	oPath    = 0x200000
	oTmpfile = 0x410000
)
