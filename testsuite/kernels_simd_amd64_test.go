package testsuite

// The kernels built with -msimd128 (clang's vectorized loops, NAME.simd.wasm): SIMD compiles
// on amd64 only so far.
func init() {
	for _, k := range kernels {
		switch k.name {
		case "blur", "matmul", "qsort", "sieve":
			k.name += ".simd"
			kernels = append(kernels, k)
		}
	}
}
