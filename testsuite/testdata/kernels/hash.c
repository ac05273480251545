// Hash mixing: an xxHash64-style round and an FNV-1a step per iteration, all 64-bit
// multiplies, rotates and xors.
#include "kernel.h"

#define P1 0x9E3779B185EBCA87ull
#define P2 0xC2B2AE3D27D4EB4Full
#define P3 0x165667B19E3779F9ull
#define P4 0x85EBCA77C2B2AE63ull

EXPORT("run") u64 run(u32 n) {
	u64 h = P3;
	u32 f = 2166136261u;
	for (u32 i = 0; i < n; i++) {
		u64 k = (u64)i * P2;
		k = rotl64(k, 31) * P1;
		h ^= k;
		h = rotl64(h, 27) * P1 + P4;
		f = (f ^ (i & 0xff)) * 16777619u;
		f = (f ^ (i >> 8 & 0xff)) * 16777619u;
	}
	h ^= h >> 33;
	h *= P2;
	h ^= h >> 29;
	h *= P3;
	h ^= h >> 32;
	return h ^ f;
}
