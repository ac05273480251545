// Mandelbrot set on an n x n grid, at most 100 iterations per point: f64 multiply-add
// chains and a data-dependent loop exit. Returns the total iteration count.
#include "kernel.h"

EXPORT("run") u64 run(u32 n) {
	u64 total = 0;
	for (u32 py = 0; py < n; py++) {
		double cy = (double)py * (2.0 / n) - 1.0;
		for (u32 px = 0; px < n; px++) {
			double cx = (double)px * (3.0 / n) - 2.0;
			double x = 0, y = 0;
			u32 it = 0;
			while (it < 100 && x * x + y * y <= 4.0) {
				double t = x * x - y * y + cx;
				y = 2.0 * x * y + cy;
				x = t;
				it++;
			}
			total += it;
		}
	}
	return total;
}
