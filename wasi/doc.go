// Package wasi implements the WASI preview1 host (wasi_snapshot_preview1)
// over a capability fd table, for Linux.
//
// A runtime binds the functions from Host.Functions as the imports of the
// module named ModuleName and calls them with the guest's memory and value
// stack; proc_exit surfaces as *ExitError.
//
// # Capabilities
//
// The guest sees stdio, the preopened directories (fds 3..) and the
// preopened listeners (after the directories), nothing else. Every path is
// resolved beneath the directory fd it is relative to, never by joining
// strings: by the kernel (openat2 with RESOLVE_BENEATH|RESOLVE_NO_MAGICLINKS)
// where it can, otherwise one component at a time, each step an openat with
// O_NOFOLLOW on a directory fd the host holds, with symlinks read and
// followed by the host. Calls that act on a final component without
// following it (unlink, rmdir, rename, mkdir, symlink, readlink, link)
// resolve the parent directory that way and pass the last component to the
// *at system call; calls that follow a final symlink (stat, set times, link
// with SYMLINK_FOLLOW) open the object with O_PATH beneath the directory
// first.
//
// The guest's own path is held to the directory fd it passes: an absolute
// path, or a ".." that climbs above that fd, fails, even when it would
// still be inside the preopen, as in Wasmtime.
//
// Symlink targets are resolved as if the preopen the lookup started in
// were the root of the file system (a chroot at the preopen):
//   - an absolute target starts again at the preopen's root directory, so
//     with the preopen "/" -> "/" it means what it means on the host, and
//     below a preopen of /srv/data a link to /etc/passwd names
//     /srv/data/etc/passwd;
//   - a ".." in a target may climb above the guest's directory fd, up to
//     the preopen's root but never above it: such a lookup fails with
//     ENOTCAPABLE, as does a guest ".." after an absolute target that
//     climbs above the root;
//   - fds opened beneath a preopen keep resolving against its root after
//     the guest closes the preopen's fd.
//
// No target can name anything outside the preopen, and a tree changing
// concurrently cannot lead a lookup outside either. The kernel refuses the
// first two cases under RESOLVE_BENEATH (EXDEV); such lookups are redone
// component by component, where an absolute target restarts from a held fd
// of the preopen's root and a target's ".." above the guest's directory is
// followed by opening ".." upwards until the root's device and inode are
// met (failing when the host's "/" comes first).
//
// Errno choices where the spec leaves room:
//   - a path that leaves its directory, or a symlink target that leaves
//     its preopen: ENOTCAPABLE (an absolute target naming something the
//     preopen lacks is ENOENT, as it is inside a chroot);
//   - a write below a read-only preopen (open for FD_WRITE, O_CREAT,
//     O_TRUNC, and every modifying path_* or fd_filestat_set_*/fd_allocate
//     call): EROFS. Read-only preopens keep full inheriting rights because
//     wasi-libc masks the rights it requests with them: stripping write
//     rights would turn open(O_WRONLY) into a read-only fd instead of an
//     error;
//   - an fd whose base rights lack what a call needs: ENOTCAPABLE, except
//     fd_read on a directory, which is EISDIR as read(2) says;
//   - path_symlink with an absolute target, or a relative one whose ".."
//     climbs above the preopen from where the link is made: EPERM, as in
//     Wasmtime. Lookups would never follow such a link out of the preopen,
//     but host programs might. Links the host made are resolved as above;
//   - fd_seek and fd_tell on a directory: EBADF. Directory fds never carry
//     FD_SEEK or FD_TELL (lseek on a directory yields a file-system
//     cookie, not an offset);
//   - path_open with O_TRUNC needs PATH_FILESTAT_SET_SIZE on the directory,
//     as the spec says, or FD_FILESTAT_SET_SIZE granted to the new fd
//     (requested and inheritable): Go's wasip1 port truncates beneath
//     directories it opened read-only, which lack the first; otherwise
//     ENOTCAPABLE;
//   - proc_raise: ENOSYS.
//
// path_open grants the intersection of the requested rights, the
// directory's inheriting rights and the rights that make sense for the
// opened file type, rather than failing when more is requested: wasi-libc
// and Go ask for broad rights on every open. fd_fdstat_set_rights can only
// remove rights.
//
// # Other behaviour
//
// fd_readdir lists "." and ".." too and uses the entry index as cookie: a
// cookie of 0 rereads the directory, others page through the listing taken
// then. A buffer that ends mid-entry is filled to the last byte, which is
// how wasi-libc knows to ask again.
//
// poll_oneoff waits with ppoll on fds backed by host descriptors (sockets,
// pipes, terminals); regular files, directories and stdio that is not an
// *os.File are always ready.
//
// A call that can block indefinitely (fd_read and sock_recv on a blocking
// pipe, socket or terminal, sock_accept, poll_oneoff) also wakes when its
// context is cancelled, and then stops the guest with the runtime's
// interrupted trap (a Func.Call fails with the context's cause), just as a
// cancellation stops running wasm code. Stdio given as an io.Reader that is
// not an *os.File cannot be woken: its Read is the reader's business.
//
// The process and thread CPU-time clocks both report the process's CPU
// time: the guest's goroutine may move between OS threads.
package wasi
