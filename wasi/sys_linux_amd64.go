package wasi

// oLargefile is the kernel's O_LARGEFILE, which openat2 does not add by
// itself (Go's syscall.O_LARGEFILE is 0 on amd64, the libc view).
const oLargefile = 0x8000
