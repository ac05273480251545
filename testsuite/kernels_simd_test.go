package testsuite

// The kernels built with -msimd128 (clang's vectorized loops, NAME.simd.wasm).
func init() {
	for _, k := range kernels {
		switch k.name {
		case "blur", "matmul", "qsort", "sieve":
			k.name += ".simd"
			kernels = append(kernels, k)
		}
	}
}
