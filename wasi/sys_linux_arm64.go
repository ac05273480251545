package wasi

// oLargefile is the kernel's O_LARGEFILE, which openat2 does not add by
// itself.
const oLargefile = 0x20000
