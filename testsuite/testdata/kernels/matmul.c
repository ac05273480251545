// 64x64 f64 matrix multiply, n times, perturbing A between rounds. Returns the bits of the
// sum of every product matrix.
#include "kernel.h"

#define N 64
static double a[N][N], b[N][N], c[N][N];

EXPORT("run") u64 run(u32 n) {
	for (u32 i = 0; i < N; i++)
		for (u32 j = 0; j < N; j++) {
			a[i][j] = (double)((i * 7 + j * 3) % 17) * 0.125 - 1.0;
			b[i][j] = (double)((i * 5 + j * 11) % 13) * 0.0625 - 0.375;
		}
	double sum = 0;
	for (u32 r = 0; r < n; r++) {
		for (u32 i = 0; i < N; i++)
			for (u32 j = 0; j < N; j++) {
				double s = 0;
				for (u32 k = 0; k < N; k++)
					s += a[i][k] * b[k][j];
				c[i][j] = s;
			}
		for (u32 i = 0; i < N; i++)
			for (u32 j = 0; j < N; j++)
				sum += c[i][j];
		a[r % N][(r * 7) % N] += 0.5;
	}
	union { double d; u64 u; } v = {sum};
	return v.u;
}
