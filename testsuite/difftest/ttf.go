package difftest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
)

// TTFFeatures restrict binaryen's generator to what wasiaot supports.
// Reference types stay off: binaryen 108 types them with subtyping (a
// funcref where an externref is expected), which the final spec rejects.
// SIMD is added for every TTFSIMDEvery-th seed (ttfFeatures).
var TTFFeatures = []string{
	"--enable-sign-ext", "--enable-mutable-globals", "--enable-nontrapping-float-to-int",
	"--enable-bulk-memory", "--enable-multivalue",
	"--disable-threads", "--disable-exception-handling", "--disable-tail-call",
	"--disable-reference-types", "--disable-gc", "--disable-memory64", "--disable-relaxed-simd",
}

// TTFSIMDEvery: seeds divisible by it make binaryen modules with v128.
const TTFSIMDEvery = 3

// ttfFeatures are the feature flags for seed.
func ttfFeatures(seed uint64) []string {
	simd := "--disable-simd"
	if seed%TTFSIMDEvery == 0 {
		simd = "--enable-simd"
	}
	return append(slices.Clone(TTFFeatures), simd)
}

// HaveWasmOpt reports whether binaryen's wasm-opt is on the PATH.
func HaveWasmOpt() bool {
	_, err := exec.LookPath("wasm-opt")
	return err == nil
}

// TTF makes a module with binaryen's "translate to fuzz" from random
// bytes drawn from seed: the same seed gives the same module. Its imports
// are binaryen's fuzzing-support logging functions. --denan keeps NaN
// bits (which the spec leaves open) from reaching memory or integers,
// vector lanes included.
func TTF(dir string, seed uint64) ([]byte, error) {
	rnd := rand.New(rand.NewPCG(seed, 0x77f))
	input := make([]byte, 1024+rnd.IntN(24*1024))
	for i := range input {
		input[i] = byte(rnd.Uint32())
	}
	in := filepath.Join(dir, "ttf-input.bin")
	out := filepath.Join(dir, "ttf.wasm")
	if err := os.WriteFile(in, input, 0o644); err != nil {
		return nil, err
	}
	args := append([]string{in, "-ttf", "--denan", "-o", out}, ttfFeatures(seed)...)
	if b, err := exec.Command("wasm-opt", args...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("wasm-opt -ttf (seed %d): %v: %s", seed, err, b)
	}
	return os.ReadFile(out)
}
