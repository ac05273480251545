// kernels: the kind of work embedded CPU benchmarks are made of, in one
// loop: walking and reordering a linked list, a state machine scanning
// text, integer matrix kernels, and a CRC16 over every result. Each pass
// perturbs the inputs with the previous CRC, so that no kernel can be
// hoisted out of the loop, and the output (one line of checksums) is the
// same on every platform: fixed-width types only, no undefined behaviour.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// CRC-16/ARC, reflected polynomial 0xA001, bit by bit (the cost is the point).
static uint16_t crc16_byte(uint8_t b, uint16_t crc) {
	crc ^= b;
	for (int i = 0; i < 8; i++) {
		crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA001u) : (uint16_t)(crc >> 1);
	}
	return crc;
}

static uint16_t crc16_u16(uint16_t v, uint16_t crc) {
	crc = crc16_byte((uint8_t)v, crc);
	return crc16_byte((uint8_t)(v >> 8), crc);
}

static uint16_t crc16_u32(uint32_t v, uint16_t crc) {
	crc = crc16_u16((uint16_t)v, crc);
	return crc16_u16((uint16_t)(v >> 16), crc);
}

// --- linked list --------------------------------------------------------

struct item {
	int16_t key;
	uint16_t payload;
};

struct node {
	struct node *next;
	struct item *item;
};

enum { NODES = 240 };

static struct node nodes[NODES];
static struct item items[NODES];

static struct node *list_build(uint16_t seed) {
	struct node *head = NULL;
	uint32_t x = 0x9E3779B9u ^ seed;
	for (int i = NODES - 1; i >= 0; i--) {
		x = x * 1103515245u + 12345u;
		items[i].key = (int16_t)((x >> 16) & 0x3ff);
		items[i].payload = (uint16_t)(x >> 3);
		nodes[i].item = &items[i];
		nodes[i].next = head;
		head = &nodes[i];
	}
	return head;
}

static struct node *list_reverse(struct node *l) {
	struct node *prev = NULL;
	while (l) {
		struct node *next = l->next;
		l->next = prev;
		prev = l;
		l = next;
	}
	return prev;
}

static struct node *list_find(struct node *l, int16_t key) {
	while (l && l->item->key != key) {
		l = l->next;
	}
	return l;
}

// Merge sort on the list itself: runs of width 1, 2, 4 ... merged in place,
// without recursion, by key or by payload.
static int cmp_key(const struct item *a, const struct item *b) { return a->key - b->key; }
static int cmp_payload(const struct item *a, const struct item *b) { return (int)a->payload - (int)b->payload; }

static struct node *list_sort(struct node *list, int (*cmp)(const struct item *, const struct item *)) {
	for (int width = 1;; width *= 2) {
		struct node *p = list, *tail = NULL;
		list = NULL;
		int merges = 0;
		while (p) {
			merges++;
			struct node *q = p;
			int psize = 0;
			for (int i = 0; i < width && q; i++) {
				psize++;
				q = q->next;
			}
			int qsize = width;
			while (psize > 0 || (qsize > 0 && q)) {
				struct node *e;
				if (psize == 0) {
					e = q, q = q->next, qsize--;
				} else if (qsize == 0 || !q || cmp(p->item, q->item) <= 0) {
					e = p, p = p->next, psize--;
				} else {
					e = q, q = q->next, qsize--;
				}
				if (tail) {
					tail->next = e;
				} else {
					list = e;
				}
				tail = e;
			}
			p = q;
		}
		tail->next = NULL;
		if (merges <= 1) {
			return list;
		}
	}
}

static uint16_t list_kernel(uint16_t seed, uint16_t crc) {
	struct node *l = list_build(seed);
	int found = 0, missing = 0;
	for (int k = 0; k < 64; k++) {
		int16_t key = (int16_t)((seed + k * 37) & 0x3ff);
		struct node *n = list_find(l, key);
		if (n) {
			found++;
			n->item->payload ^= (uint16_t)key;
		} else {
			missing++;
		}
		l = list_reverse(l);
	}
	l = list_sort(l, cmp_payload);
	for (struct node *n = l; n; n = n->next) {
		crc = crc16_u16(n->item->payload, crc);
	}
	l = list_sort(l, cmp_key);
	int i = 0;
	for (struct node *n = l; n && i < 32; n = n->next, i++) {
		crc = crc16_u16((uint16_t)n->item->key, crc);
	}
	crc = crc16_u16((uint16_t)found, crc);
	return crc16_u16((uint16_t)missing, crc);
}

// --- state machine --------------------------------------------------------

// States of a scanner that classifies comma-separated tokens as integers,
// decimals, numbers with exponents, hexadecimal or invalid.
enum state { START, INT, SIGN, HEX0, HEX, DEC, EXP, EXPSIGN, EXPDIGITS, INVALID, NSTATES };

static enum state step(enum state s, char c) {
	int digit = c >= '0' && c <= '9';
	switch (s) {
	case START:
		if (c == '0') return HEX0;
		if (digit) return INT;
		if (c == '+' || c == '-') return SIGN;
		if (c == '.') return DEC;
		return INVALID;
	case SIGN:
		if (digit) return INT;
		if (c == '.') return DEC;
		return INVALID;
	case HEX0:
		if (c == 'x' || c == 'X') return HEX;
		if (digit) return INT;
		if (c == '.') return DEC;
		return INVALID;
	case HEX:
		if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) return HEX;
		return INVALID;
	case INT:
		if (digit) return INT;
		if (c == '.') return DEC;
		if (c == 'e' || c == 'E') return EXP;
		return INVALID;
	case DEC:
		if (digit) return DEC;
		if (c == 'e' || c == 'E') return EXP;
		return INVALID;
	case EXP:
		if (c == '+' || c == '-') return EXPSIGN;
		if (digit) return EXPDIGITS;
		return INVALID;
	case EXPSIGN:
	case EXPDIGITS:
		if (digit) return EXPDIGITS;
		return INVALID;
	default:
		return INVALID;
	}
}

enum { TEXT = 2048 };
static char text[TEXT];

static void text_build(uint16_t seed) {
	static const char *const pieces[] = {"5012", "1.234", "-874", "+122", "0x1f3A", "3.5e-7", "1e9", "..",
		"-.5", "0x", "12a", "7E+2", "0", "99.", "x0", "+0.0e0"};
	uint32_t x = 0x2545F491u ^ seed;
	int n = 0;
	while (n < TEXT - 16) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		const char *p = pieces[x & 15];
		size_t len = strlen(p);
		memcpy(text + n, p, len);
		n += (int)len;
		text[n++] = ',';
	}
	text[n] = 0;
}

static uint16_t state_kernel(uint16_t seed, uint16_t crc) {
	text_build(seed);
	uint32_t final[NSTATES] = {0}, transitions[NSTATES] = {0};
	for (int round = 0; round < 2; round++) {
		enum state s = START;
		for (const char *p = text; *p; p++) {
			if (*p == ',') {
				final[s]++;
				s = START;
				continue;
			}
			enum state t = step(s, *p);
			if (t != s) {
				transitions[t]++;
			}
			s = t;
		}
		// The second round scans a corrupted copy: every 7th byte flipped.
		for (int i = 0; i < TEXT && text[i]; i += 7) {
			if (text[i] != ',') {
				text[i] ^= 1;
			}
		}
	}
	for (int i = 0; i < NSTATES; i++) {
		crc = crc16_u32(final[i], crc);
		crc = crc16_u32(transitions[i], crc);
	}
	return crc;
}

// --- matrices -------------------------------------------------------------

enum { N = 32 };
static int16_t ma[N][N], mb[N][N];
static int32_t mc[N][N];

static void matrix_build(uint16_t seed) {
	uint32_t x = 0x6C078965u ^ seed;
	for (int i = 0; i < N; i++) {
		for (int j = 0; j < N; j++) {
			x = x * 22695477u + 1u;
			ma[i][j] = (int16_t)((x >> 16) & 0x1fff) - 0x1000;
			x = x * 22695477u + 1u;
			mb[i][j] = (int16_t)((x >> 16) & 0x0fff) - 0x800;
		}
	}
}

static uint16_t matrix_kernel(uint16_t seed, uint16_t crc) {
	matrix_build(seed);
	int16_t k = (int16_t)((seed & 0xff) | 1);
	// Add a constant, then multiply by it (16 × 16 → 32 bits).
	for (int i = 0; i < N; i++) {
		for (int j = 0; j < N; j++) {
			ma[i][j] = (int16_t)(ma[i][j] + k);
		}
	}
	int32_t sum = 0;
	for (int i = 0; i < N; i++) {
		for (int j = 0; j < N; j++) {
			mc[i][j] = (int32_t)ma[i][j] * k;
			sum += mc[i][j] >> 4;
		}
	}
	crc = crc16_u32((uint32_t)sum, crc);
	// Matrix times vector.
	for (int i = 0; i < N; i++) {
		int32_t acc = 0;
		for (int j = 0; j < N; j++) {
			acc += (int32_t)ma[i][j] * mb[j][0];
		}
		crc = crc16_u32((uint32_t)acc, crc);
	}
	// Matrix times matrix, then bit fields of the products.
	uint32_t bits = 0;
	for (int i = 0; i < N; i++) {
		for (int j = 0; j < N; j++) {
			int32_t acc = 0;
			for (int l = 0; l < N; l++) {
				acc += (int32_t)ma[i][l] * mb[l][j];
			}
			mc[i][j] = acc;
			bits += ((uint32_t)acc >> 2) & 0xf;
			bits ^= ((uint32_t)acc >> 5) & 0x7f;
		}
	}
	crc = crc16_u32(bits, crc);
	for (int i = 0; i < N; i++) {
		crc = crc16_u32((uint32_t)mc[i][i], crc);
	}
	return crc;
}

int main(int argc, char **argv) {
	int iterations = argc > 1 ? atoi(argv[1]) : 2000;
	uint16_t crc = 0, crc_list = 0, crc_state = 0, crc_matrix = 0;
	for (int i = 0; i < iterations; i++) {
		uint16_t seed = (uint16_t)(crc ^ (uint16_t)i);
		crc_list = list_kernel(seed, crc_list);
		crc_state = state_kernel(seed, crc_state);
		crc_matrix = matrix_kernel(seed, crc_matrix);
		crc = crc16_u16(crc_list, crc);
		crc = crc16_u16(crc_state, crc);
		crc = crc16_u16(crc_matrix, crc);
	}
	printf("iterations %d list %04x state %04x matrix %04x final %04x\n", iterations, crc_list, crc_state,
		crc_matrix, crc);
	return 0;
}
