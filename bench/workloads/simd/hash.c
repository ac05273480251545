// hash: Adler-32, CRC-32 (slicing by 8) and an 8-lane multiply-rotate hash
// over a generated buffer, several rounds. Adler-32 is computed a block at a
// time from the plain sum and the position-weighted sum of the block, a form
// that vectorises (the byte-at-a-time recurrence does not); the lane hash
// vectorises as is; CRC-32 is table-driven and stays scalar, the baseline.
// Known check values are verified first.
//
// usage: hash MIB ROUNDS
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ADLER_MOD 65521u
// Largest block for which the weighted sum cannot overflow 32 bits:
// 255 * n(n+1)/2 < 2^32 for n = 4096.
#define ADLER_BLOCK 4096

static uint32_t adler32(uint32_t adler, const uint8_t *p, size_t n) {
	uint32_t a = adler & 0xffff, b = adler >> 16;
	while (n > 0) {
		uint32_t k = n < ADLER_BLOCK ? (uint32_t)n : ADLER_BLOCK;
		uint32_t sum = 0, weighted = 0;
		for (uint32_t i = 0; i < k; i++) {
			sum += p[i];
			weighted += (k - i) * (uint32_t)p[i];
		}
		b = (uint32_t)(((uint64_t)b + (uint64_t)k * a + weighted) % ADLER_MOD);
		a = (a + sum) % ADLER_MOD;
		p += k;
		n -= k;
	}
	return b << 16 | a;
}

static uint32_t crc_table[8][256];

static void crc_init(void) {
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xff];
}

static uint32_t load32(const uint8_t *p) {
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t crc32(uint32_t crc, const uint8_t *p, size_t n) {
	crc = ~crc;
	for (; n >= 8; p += 8, n -= 8) {
		uint32_t lo = load32(p) ^ crc, hi = load32(p + 4);
		crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^ crc_table[5][(lo >> 16) & 0xff] ^
		      crc_table[4][lo >> 24] ^ crc_table[3][hi & 0xff] ^ crc_table[2][(hi >> 8) & 0xff] ^
		      crc_table[1][(hi >> 16) & 0xff] ^ crc_table[0][hi >> 24];
	}
	while (n--)
		crc = crc_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

#define LANES 8
#define P1 2654435761u
#define P2 2246822519u
#define P3 3266489917u

// lanehash keeps LANES independent accumulators, each fed one 32-bit word
// of every 32-byte stripe, and folds them at the end.
static uint32_t lanehash(uint32_t seed, const uint8_t *p, size_t n) {
	uint32_t acc[LANES];
	for (int j = 0; j < LANES; j++)
		acc[j] = seed + (uint32_t)j * P3;
	size_t stripes = n / (4 * LANES);
	for (size_t s = 0; s < stripes; s++) {
		uint32_t w[LANES];
		memcpy(w, p + s * 4 * LANES, sizeof w);
		for (int j = 0; j < LANES; j++) {
			uint32_t v = acc[j] + w[j] * P2;
			acc[j] = (v << 13 | v >> 19) * P1;
		}
	}
	uint32_t h = (uint32_t)n;
	for (int j = 0; j < LANES; j++)
		h = (h ^ acc[j]) * P1 + (h >> 15);
	for (size_t i = stripes * 4 * LANES; i < n; i++)
		h = (h ^ p[i]) * P3;
	h ^= h >> 16;
	h *= P2;
	h ^= h >> 13;
	return h;
}

static int selfcheck(void) {
	const char *digits = "123456789", *wiki = "Wikipedia";
	uint32_t c = crc32(0, (const uint8_t *)digits, 9), a = adler32(1, (const uint8_t *)wiki, 9);
	if (c != 0xcbf43926u || a != 0x11e60398u) {
		fprintf(stderr, "hash: self-check failed: crc32 %08x, adler32 %08x\n", c, a);
		return 0;
	}
	// A buffer longer than one Adler block against the byte-at-a-time form.
	static uint8_t buf[3 * ADLER_BLOCK + 77];
	uint32_t a1 = 1, b1 = 0;
	for (size_t i = 0; i < sizeof buf; i++) {
		buf[i] = (uint8_t)(255 - i % 7);
		a1 = (a1 + buf[i]) % ADLER_MOD;
		b1 = (b1 + a1) % ADLER_MOD;
	}
	if (adler32(1, buf, sizeof buf) != (b1 << 16 | a1)) {
		fprintf(stderr, "hash: self-check failed: blocked adler32\n");
		return 0;
	}
	return 1;
}

int main(int argc, char **argv) {
	if (argc != 3) {
		fprintf(stderr, "usage: hash MIB ROUNDS\n");
		return 2;
	}
	long mib = atol(argv[1]), rounds = atol(argv[2]);
	if (mib < 1 || mib > 1024 || rounds < 1) {
		fprintf(stderr, "hash: MIB must be in [1, 1024], ROUNDS at least 1\n");
		return 2;
	}
	crc_init();
	if (!selfcheck())
		return 1;
	size_t n = (size_t)mib << 20;
	uint8_t *buf = malloc(n + 7);
	if (!buf) {
		fprintf(stderr, "hash: out of memory (%zu bytes)\n", n);
		return 1;
	}
	uint64_t x = 0x2545f4914f6cdd1dull;
	for (size_t i = 0; i < n; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(buf + i, &x, 8);
	}
	uint32_t ad = 1, crc = 0, lh = 0;
	for (long r = 0; r < rounds; r++) {
		// Odd sizes and offsets keep the tails in play.
		size_t off = (size_t)r % 7, len = n - off - (size_t)(r % 5);
		ad = adler32(ad, buf + off, len);
		crc = crc32(crc, buf + off, len);
		lh = lanehash(lh ^ (uint32_t)r, buf + off, len);
		printf("round %ld: adler32 %08x crc32 %08x lanehash %08x\n", r, ad, crc, lh);
	}
	free(buf);
	return 0;
}
