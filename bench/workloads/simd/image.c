// image: RGB → YCbCr (BT.601, 8-bit fixed point) and a separable 5-tap
// binomial blur of each plane, over a generated W×H image, repeated for a
// number of passes. The loops are written plainly so that clang
// (-msimd128) and gcc (SSE) vectorise them; the output is a checksum of the
// final planes, identical on every engine.
//
// usage: image WIDTH HEIGHT PASSES
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t rng = 0x9e3779b9u;

static uint32_t next(void) {
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

// A smooth gradient with noise, so that the blur has something to smooth.
static void generate(uint8_t *r, uint8_t *g, uint8_t *b, int w, int h) {
	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++) {
			uint32_t n = next();
			size_t i = (size_t)y * w + x;
			r[i] = (uint8_t)((x * 255 / w) ^ (n & 31));
			g[i] = (uint8_t)((y * 255 / h) ^ ((n >> 8) & 31));
			b[i] = (uint8_t)(((x + y) * 127 / (w + h)) + ((n >> 16) & 127));
		}
	}
}

static void rgb_to_ycbcr(const uint8_t *restrict r, const uint8_t *restrict g, const uint8_t *restrict b,
		uint8_t *restrict yp, uint8_t *restrict cb, uint8_t *restrict cr, size_t n) {
	for (size_t i = 0; i < n; i++) {
		int32_t R = r[i], G = g[i], B = b[i];
		yp[i] = (uint8_t)((77 * R + 150 * G + 29 * B + 128) >> 8);
		cb[i] = (uint8_t)(((-43 * R - 85 * G + 128 * B + 128) >> 8) + 128);
		cr[i] = (uint8_t)(((128 * R - 107 * G - 21 * B + 128) >> 8) + 128);
	}
}

static inline uint8_t tap5(int a, int b, int c, int d, int e) {
	return (uint8_t)((a + 4 * b + 6 * c + 4 * d + e + 8) >> 4);
}

// Horizontal pass; the two pixels at each edge repeat the edge pixel.
static void blur_rows(const uint8_t *restrict src, uint8_t *restrict dst, int w, int h) {
	for (int y = 0; y < h; y++) {
		const uint8_t *s = src + (size_t)y * w;
		uint8_t *d = dst + (size_t)y * w;
		d[0] = tap5(s[0], s[0], s[0], s[1], s[2]);
		d[1] = tap5(s[0], s[0], s[1], s[2], s[3]);
		for (int x = 2; x < w - 2; x++)
			d[x] = tap5(s[x - 2], s[x - 1], s[x], s[x + 1], s[x + 2]);
		d[w - 2] = tap5(s[w - 4], s[w - 3], s[w - 2], s[w - 1], s[w - 1]);
		d[w - 1] = tap5(s[w - 3], s[w - 2], s[w - 1], s[w - 1], s[w - 1]);
	}
}

// Vertical pass, one output row at a time from five clamped input rows.
static void blur_cols(const uint8_t *restrict src, uint8_t *restrict dst, int w, int h) {
	for (int y = 0; y < h; y++) {
		const uint8_t *r0 = src + (size_t)(y < 2 ? 0 : y - 2) * w;
		const uint8_t *r1 = src + (size_t)(y < 1 ? 0 : y - 1) * w;
		const uint8_t *r2 = src + (size_t)y * w;
		const uint8_t *r3 = src + (size_t)(y + 1 >= h ? h - 1 : y + 1) * w;
		const uint8_t *r4 = src + (size_t)(y + 2 >= h ? h - 1 : y + 2) * w;
		uint8_t *d = dst + (size_t)y * w;
		for (int x = 0; x < w; x++)
			d[x] = tap5(r0[x], r1[x], r2[x], r3[x], r4[x]);
	}
}

static void blur(uint8_t *plane, uint8_t *tmp, int w, int h) {
	blur_rows(plane, tmp, w, h);
	blur_cols(tmp, plane, w, h);
}

static uint32_t fnv1a(uint32_t hsh, const uint8_t *p, size_t n) {
	for (size_t i = 0; i < n; i++)
		hsh = (hsh ^ p[i]) * 16777619u;
	return hsh;
}

static uint8_t *alloc(size_t n) {
	uint8_t *p = malloc(n);
	if (!p) {
		fprintf(stderr, "image: out of memory (%zu bytes)\n", n);
		exit(1);
	}
	return p;
}

int main(int argc, char **argv) {
	if (argc != 4) {
		fprintf(stderr, "usage: image WIDTH HEIGHT PASSES\n");
		return 2;
	}
	int w = atoi(argv[1]), h = atoi(argv[2]), passes = atoi(argv[3]);
	if (w < 4 || h < 4 || w > 16384 || h > 16384 || passes < 1) {
		fprintf(stderr, "image: WIDTH and HEIGHT must be in [4, 16384], PASSES at least 1\n");
		return 2;
	}
	size_t n = (size_t)w * h;
	uint8_t *r = alloc(n), *g = alloc(n), *b = alloc(n);
	uint8_t *yp = alloc(n), *cb = alloc(n), *cr = alloc(n), *tmp = alloc(n);
	generate(r, g, b, w, h);
	for (int p = 0; p < passes; p++) {
		rgb_to_ycbcr(r, g, b, yp, cb, cr, n);
		blur(yp, tmp, w, h);
		blur(cb, tmp, w, h);
		blur(cr, tmp, w, h);
		// Feed the result back with the planes rotated and a little of the
		// original mixed in, so that passes do not converge to a constant.
		for (size_t i = 0; i < n; i++) {
			uint8_t R = r[i];
			r[i] = (uint8_t)(cr[i] + (g[i] >> 3));
			g[i] = (uint8_t)(yp[i] + (b[i] >> 3));
			b[i] = (uint8_t)(cb[i] + (R >> 3));
		}
	}
	uint32_t hsh = 2166136261u;
	hsh = fnv1a(hsh, r, n);
	hsh = fnv1a(hsh, g, n);
	hsh = fnv1a(hsh, b, n);
	printf("image %dx%d, %d passes: fnv1a %08x, centre pixel %u %u %u\n", w, h, passes, hsh,
		r[n / 2 + w / 2], g[n / 2 + w / 2], b[n / 2 + w / 2]);
	return 0;
}
