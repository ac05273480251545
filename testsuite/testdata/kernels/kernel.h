// Shared declarations for the CPU kernels: no libc, one exported entry point per module.
typedef unsigned int u32;
typedef unsigned long long u64;

#define EXPORT(name) __attribute__((export_name(name)))

static inline u64 rotl64(u64 x, u32 s) { return (x << (s & 63)) | (x >> ((64 - s) & 63)); }
