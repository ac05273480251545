// A vertical 1-2-1 blur of a 256x64 8-bit image, n times, then a checksum of the pixels: byte
// lanes that clang vectorizes with -msimd128 (blur.simd.wasm), and scalar loops without.
#include "kernel.h"

#define W 256
#define H 64
static unsigned char a[H][W], b[H][W];

EXPORT("run") u64 run(u32 n) {
	u32 s = 1;
	for (u32 y = 0; y < H; y++)
		for (u32 x = 0; x < W; x++) {
			s = s * 1103515245u + 12345u;
			a[y][x] = s >> 24;
		}
	for (u32 r = 0; r < n; r++) {
		for (u32 y = 1; y < H - 1; y++)
			for (u32 x = 0; x < W; x++)
				b[y][x] = (a[y - 1][x] + 2 * a[y][x] + a[y + 1][x] + 2) >> 2;
		for (u32 y = 1; y < H - 1; y++)
			for (u32 x = 0; x < W; x++)
				a[y][x] = b[y][x] ^ (unsigned char)r;
	}
	u64 sum = 0;
	for (u32 y = 0; y < H; y++)
		for (u32 x = 0; x < W; x++)
			sum = sum * 31 + a[y][x];
	return sum;
}
