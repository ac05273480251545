// Quicksort of n pseudo-random signed 32-bit integers: compares, swaps, recursion.
// Returns a position-weighted checksum of the sorted array.
#include "kernel.h"

#define MAX (1 << 20)
static int a[MAX];

static void sort(int *v, int lo, int hi) {
	while (hi - lo > 16) {
		int mid = lo + (hi - lo) / 2;
		int p = v[mid];
		int i = lo, j = hi;
		while (i <= j) {
			while (v[i] < p)
				i++;
			while (v[j] > p)
				j--;
			if (i <= j) {
				int t = v[i];
				v[i] = v[j];
				v[j] = t;
				i++;
				j--;
			}
		}
		// Recurse into the smaller half, loop on the larger one.
		if (j - lo < hi - i) {
			sort(v, lo, j);
			lo = i;
		} else {
			sort(v, i, hi);
			hi = j;
		}
	}
	for (int i = lo + 1; i <= hi; i++) {
		int x = v[i], k = i - 1;
		while (k >= lo && v[k] > x) {
			v[k + 1] = v[k];
			k--;
		}
		v[k + 1] = x;
	}
}

EXPORT("run") u64 run(u32 n) {
	if (n > MAX)
		n = MAX;
	u32 x = 12345;
	for (u32 i = 0; i < n; i++) {
		x = x * 1664525u + 1013904223u;
		a[i] = (int)x;
	}
	sort(a, 0, (int)n - 1);
	u64 sum = 0;
	for (u32 i = 0; i < n; i++)
		sum += (u64)(u32)a[i] * (i + 1);
	return sum;
}
