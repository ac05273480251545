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
// this function opened, so it never asks the kernel to resolve a symlink
// and a tree changing underneath cannot lead it outside.
//
// Symlink targets are resolved as if the preopen the lookup started in
// were the root of the file system: an absolute target starts again from
// the preopen's root directory, and a target's ".." may climb above the
// directory fd the guest passed as far as that root, never above it. The
// kernel refuses both under RESOLVE_BENEATH (EXDEV); such lookups are
// redone by walkBeneath, which knows the root.

var (
	openat2Once sync.Once
	useOpenat2  bool
)

// openBeneath opens path relative to dirfd, which lies in the preopen
// whose root directory is root (-1: none). The guest's path may not leave
// dirfd and symlinks met on the way may not leave root; a path that would
// fails with errEscape.
func openBeneath(dirfd, root int, path string, flags int, mode uint32) (int, error) {
	openat2Once.Do(probeOpenat2)
	if useOpenat2 {
		fd, err := openat2Beneath(dirfd, path, flags, mode)
		if err != errEscape || root < 0 || path == "" || path[0] == '/' {
			return fd, err
		}
		// A symlink may have pointed at an absolute path or above dirfd,
		// which is allowed as long as it stays inside the preopen.
	}
	return walkBeneath(dirfd, root, path, flags, mode)
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

// walkBeneath resolves path beneath dirfd one component at a time. The
// components of the guest's own path may not climb above dirfd; those
// spliced in from symlinks may climb up to root, and an absolute target
// restarts from root. With root -1 symlinks may not leave dirfd either.
func walkBeneath(dirfd, root int, path string, flags int, mode uint32) (int, error) {
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
	stack := []int{dirfd} // stack[0] is the caller's: dirfd, or root once rooted
	rooted := false
	drop := func() {
		for _, fd := range stack[1:] {
			syscall.Close(fd)
		}
		stack = stack[:1]
	}
	defer drop()
	parts := splitPath(path)
	guest := len(parts) // parts[len(parts)-guest:] come from the guest's path
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
			if root < 0 {
				return errEscape
			}
			drop()
			stack[0], rooted = root, true
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
		fromGuest := len(parts) <= guest
		parts = parts[1:]
		if fromGuest {
			guest = len(parts)
		}
		switch {
		case name == ".":
			continue
		case name == "..":
			if len(stack) == 1 {
				if fromGuest || rooted || root < 0 {
					return -1, errEscape
				}
				// A symlink's ".." above dirfd: continue from dirfd's
				// parent, found by climbing to root.
				up, err := ancestors(dirfd, root)
				if err != nil {
					return -1, err
				}
				stack = append([]int{root}, up...)
				rooted = true
				continue
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

// maxDepth bounds how far ancestors climbs looking for the root.
const maxDepth = 4096

// ancestors returns fds for the directories between root and dirfd's
// parent, outermost first, excluding root. It fails with errEscape when
// dirfd is root or root is not above it (the host's "/" is reached first).
func ancestors(dirfd, root int) ([]int, error) {
	var rst syscall.Stat_t
	if err := syscall.Fstat(root, &rst); err != nil {
		return nil, err
	}
	var up []int
	fail := func(err error) ([]int, error) {
		for _, fd := range up {
			syscall.Close(fd)
		}
		return nil, err
	}
	cur := dirfd
	var st syscall.Stat_t
	if err := syscall.Fstat(cur, &st); err != nil {
		return nil, err
	}
	for depth := 0; depth < maxDepth; depth++ {
		if st.Dev == rst.Dev && st.Ino == rst.Ino {
			if cur == dirfd {
				return nil, errEscape
			}
			// cur is root itself: the caller has it already.
			syscall.Close(cur)
			up = up[1:]
			return up, nil
		}
		parent, err := openat(cur, "..", oPath|syscall.O_DIRECTORY|syscall.O_NOFOLLOW, 0)
		if err != nil {
			return fail(err)
		}
		up = append([]int{parent}, up...)
		prev := st
		if err := syscall.Fstat(parent, &st); err != nil {
			return fail(err)
		}
		if st.Dev == prev.Dev && st.Ino == prev.Ino {
			return fail(errEscape) // the host's "/": root is not above dirfd
		}
		cur = parent
	}
	return fail(errEscape)
}
