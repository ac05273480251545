package wasi

import (
	"strings"
	"sync"
	"syscall"
)

// Path resolution beneath a directory fd. openat2(RESOLVE_BENEATH) does it
// in the kernel (Linux 5.6+). Where it is missing, or a seccomp filter
// refuses it, walkBeneath does the same one component at a time: every
// step is an openat with O_NOFOLLOW on the fd of the previous step,
// symlinks are read and spliced in by hand, and ".." pops a stack of fds
// this function opened, so it never asks the kernel to resolve ".." or a
// symlink and a tree changing underneath cannot lead it outside.

var (
	openat2Once sync.Once
	useOpenat2  bool
)

// openBeneath opens path relative to dirfd without leaving it; a path
// that would leave fails with errEscape.
func openBeneath(dirfd int, path string, flags int, mode uint32) (int, error) {
	openat2Once.Do(probeOpenat2)
	if useOpenat2 {
		return openat2Beneath(dirfd, path, flags, mode)
	}
	return walkBeneath(dirfd, path, flags, mode)
}

func probeOpenat2() {
	fd, err := openat2Beneath(-100, ".", oPath, 0) // -100: AT_FDCWD
	if err == nil {
		syscall.Close(fd)
	}
	useOpenat2 = err != syscall.ENOSYS && err != syscall.EPERM
}

// maxSymlinks matches Linux's limit on symlinks followed in one lookup.
const maxSymlinks = 40

func splitPath(p string) []string {
	var parts []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return parts
}

func openat(dirfd int, name string, flags int, mode uint32) (int, error) {
	for {
		fd, err := syscall.Openat(dirfd, name, flags|syscall.O_CLOEXEC, mode)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

func isSymlink(fd int) bool {
	var st syscall.Stat_t
	return syscall.Fstat(fd, &st) == nil && st.Mode&syscall.S_IFMT == syscall.S_IFLNK
}

func walkBeneath(dirfd int, path string, flags int, mode uint32) (int, error) {
	if path == "" {
		return -1, syscall.ENOENT
	}
	if path[0] == '/' {
		return -1, errEscape
	}
	follow := flags&syscall.O_NOFOLLOW == 0
	if strings.HasSuffix(path, "/") {
		// A trailing slash asks for a directory and follows a final link.
		flags |= syscall.O_DIRECTORY
		follow = true
	}
	flags &^= syscall.O_NOFOLLOW
	stack := []int{dirfd} // stack[0] is the caller's
	defer func() {
		for _, fd := range stack[1:] {
			syscall.Close(fd)
		}
	}()
	parts := splitPath(path)
	links := 0
	// splice replaces the symlink name in dir with its target.
	splice := func(dir int, name string) error {
		if links++; links > maxSymlinks {
			return syscall.ELOOP
		}
		buf := make([]byte, 4096)
		n, err := readlinkat(dir, name, buf)
		if err != nil {
			return err
		}
		target := string(buf[:n])
		if strings.HasPrefix(target, "/") {
			return errEscape
		}
		parts = append(splitPath(target), parts...)
		return nil
	}
	for {
		cur := stack[len(stack)-1]
		if len(parts) == 0 {
			return openat(cur, ".", flags, mode)
		}
		name := parts[0]
		parts = parts[1:]
		switch {
		case name == ".":
			continue
		case name == "..":
			if len(stack) == 1 {
				return -1, errEscape
			}
			syscall.Close(cur)
			stack = stack[:len(stack)-1]
			continue
		case len(parts) > 0:
			fd, err := openat(cur, name, oPath|syscall.O_NOFOLLOW, 0)
			if err != nil {
				return -1, err
			}
			if isSymlink(fd) {
				syscall.Close(fd)
				if err := splice(cur, name); err != nil {
					return -1, err
				}
				continue
			}
			var st syscall.Stat_t
			if err := syscall.Fstat(fd, &st); err != nil || st.Mode&syscall.S_IFMT != syscall.S_IFDIR {
				syscall.Close(fd)
				return -1, syscall.ENOTDIR
			}
			stack = append(stack, fd)
			continue
		}
		fd, err := openat(cur, name, flags|syscall.O_NOFOLLOW, mode)
		if !follow {
			return fd, err
		}
		if err == nil {
			if flags&oPath == 0 || !isSymlink(fd) {
				return fd, nil
			}
			syscall.Close(fd)
		} else if err != syscall.ELOOP && err != syscall.ENOTDIR && err != syscall.EEXIST {
			return -1, err
		}
		// The final component may be a symlink (ELOOP for O_NOFOLLOW,
		// ENOTDIR with O_DIRECTORY, EEXIST with O_CREAT|O_EXCL).
		if flags&(syscall.O_CREAT|syscall.O_EXCL) == syscall.O_CREAT|syscall.O_EXCL {
			return -1, err
		}
		if serr := splice(cur, name); serr != nil {
			if serr == syscall.EINVAL { // not a symlink after all
				return -1, err
			}
			return -1, serr
		}
	}
}
