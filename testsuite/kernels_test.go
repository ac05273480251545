package testsuite

import (
	"context"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
	"github.com/wasiaot/wasiaot/compiler"
)

// A kernel is one module of testdata/kernels (built from its .c by build.sh) exporting
// run(n i32) -> i64, a checksum of the work done. ref computes the same checksum in Go, so
// two engines wrong in the same way still fail.
type kernel struct {
	name   string
	testN  uint32 // small: TestKernels runs every kernel on both engines
	benchN uint32 // one call takes a few milliseconds
	ref    func(n uint32) uint64
	// unit and work give BenchmarkKernels' throughput metric: work(n) units per call.
	unit string
	work func(n uint32) float64
}

var kernels = []kernel{
	{"fib", 20, 30, refFib, "Mcalls/s", func(n uint32) float64 { return float64(2*refFib(n+1) - 1) }},
	{"sieve", 100_000, 4_000_000, refSieve, "Mnums/s", func(n uint32) float64 { return float64(n) }},
	{"matmul", 2, 20, refMatmul, "MFLOPS", func(n uint32) float64 { return 2 * 64 * 64 * 64 * float64(n) }},
	{"qsort", 10_000, 100_000, refQsort, "Melems/s", func(n uint32) float64 { return float64(n) }},
	{"hash", 100_000, 5_000_000, refHash, "Mrounds/s", func(n uint32) float64 { return float64(n) }},
	{"mandel", 64, 300, refMandel, "Miters/s", func(n uint32) float64 { return float64(refMandel(n)) }},
	{"interp", 10_000, 500_000, refInterp, "Minstrs/s", func(n uint32) float64 { return 9*float64(n) + 6 }},
	{"indirect", 100_000, 1_000_000, refIndirect, "Mcalls/s", func(n uint32) float64 { return float64(n) }},
	{"blur", 20, 2_000, refBlur, "Mpixels/s", func(n uint32) float64 { return 256 * 62 * float64(n) }},
}

// kernelCall runs run(n) on one instance of a kernel and returns its checksum.
type kernelCall func(n uint32) (uint64, error)

// kernelEngines instantiate a kernel's wasm on one engine; the returned close releases it.
// wazero comes first: BenchmarkKernels reports wasiaot relative to it.
var kernelEngines = []struct {
	name  string
	start func(tb testing.TB, wasm []byte) (kernelCall, func())
}{
	{"wazero", startWazero},
	{"wasiaot", startWasiaot},
}

// startWasiaot goes through the real pipeline: compile to artifact bytes, load, instantiate.
func startWasiaot(tb testing.TB, wasm []byte) (kernelCall, func()) {
	return startWasiaotWith(tb, wasm, compiler.DefaultOptions())
}

func startWasiaotWith(tb testing.TB, wasm []byte, opts compiler.Options) (kernelCall, func()) {
	inst, done := instantiateWasmWith(tb, wasm, nil, opts)
	fn := inst.ExportedFunction("run")
	require.NotNil(tb, fn)
	stack := make([]uint64, 1)
	call := func(n uint32) (uint64, error) {
		stack[0] = uint64(n)
		err := fn.CallWithStack(context.Background(), stack)
		return stack[0], err
	}
	return call, done
}

// startWazero uses wazero's optimizing compiler, the engine the kernels are measured against.
func startWazero(tb testing.TB, wasm []byte) (kernelCall, func()) {
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
	mod, err := r.Instantiate(ctx, wasm)
	require.NoError(tb, err)
	fn := mod.ExportedFunction("run")
	require.NotNil(tb, fn)
	stack := make([]uint64, 1)
	call := func(n uint32) (uint64, error) {
		stack[0] = uint64(n)
		err := fn.CallWithStack(ctx, stack)
		return stack[0], err
	}
	return call, func() { r.Close(ctx) }
}

func readKernel(tb testing.TB, name string) []byte {
	wasm, err := os.ReadFile(filepath.Join("testdata", "kernels", name+".wasm"))
	require.NoError(tb, err, "rebuild with testdata/kernels/build.sh")
	return wasm
}

// TestKernels checks every kernel's checksum on wasiaot and on wazero against the Go reference.
func TestKernels(t *testing.T) {
	for _, k := range kernels {
		t.Run(k.name, func(t *testing.T) {
			wasm := readKernel(t, k.name)
			want := k.ref(k.testN)
			for _, e := range kernelEngines {
				call, done := e.start(t, wasm)
				got, err := call(k.testN)
				done()
				require.NoError(t, err, e.name)
				require.Equal(t, want, got, "%s: run(%d) = %#x, Go reference %#x", e.name, k.testN, got, want)
			}
		})
	}
}

// BenchmarkKernels times one run(benchN) per iteration on each engine, instantiated once per
// sub-benchmark outside the timer. wazero runs first so that wasiaot's line can also report
// its time as a multiple of wazero's ("vs-wazero", below 1 is faster):
//
//	go test -run '^$' -bench Kernels -benchtime 20x ./testsuite
func BenchmarkKernels(b *testing.B) {
	for _, k := range kernels {
		b.Run(k.name, func(b *testing.B) {
			wasm := readKernel(b, k.name)
			want := k.ref(k.benchN)
			var wazeroNs float64
			for _, e := range kernelEngines {
				b.Run(e.name, func(b *testing.B) {
					call, done := e.start(b, wasm)
					defer done()
					// One call outside the timer: checks the result and warms caches.
					got, err := call(k.benchN)
					require.NoError(b, err)
					require.Equal(b, want, got)
					b.ResetTimer()
					for range b.N {
						if _, err := call(k.benchN); err != nil {
							b.Fatal(err)
						}
					}
					b.StopTimer()
					ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
					b.ReportMetric(k.work(k.benchN)/ns*1e3, k.unit)
					if e.name == "wazero" {
						wazeroNs = ns
					} else if wazeroNs > 0 {
						b.ReportMetric(ns/wazeroNs, "vs-wazero")
					}
				})
			}
		})
	}
}

// Go references, written to do exactly what the C sources do.

func refFib(n uint32) uint64 {
	var a, b uint64 = 0, 1
	for range n {
		a, b = b, a+b
	}
	return a
}

func refSieve(n uint32) uint64 {
	composite := make([]bool, n)
	var sum uint64
	for i := uint64(2); i < uint64(n); i++ {
		if composite[i] {
			continue
		}
		sum += i
		for j := i * i; j < uint64(n); j += i {
			composite[j] = true
		}
	}
	return sum
}

// refMatmul converts every product to float64 explicitly so Go cannot fuse it into an FMA,
// which wasm does not have.
func refMatmul(n uint32) uint64 {
	const N = 64
	var a, b, c [N][N]float64
	for i := range N {
		for j := range N {
			a[i][j] = float64(float64((i*7+j*3)%17)*0.125) - 1.0
			b[i][j] = float64(float64((i*5+j*11)%13)*0.0625) - 0.375
		}
	}
	sum := 0.0
	for r := range int(n) {
		for i := range N {
			for j := range N {
				s := 0.0
				for k := range N {
					s += float64(a[i][k] * b[k][j])
				}
				c[i][j] = s
			}
		}
		for i := range N {
			for j := range N {
				sum += c[i][j]
			}
		}
		a[r%N][(r*7)%N] += 0.5
	}
	return math.Float64bits(sum)
}

func refQsort(n uint32) uint64 {
	a := make([]int32, n)
	x := uint32(12345)
	for i := range a {
		x = x*1664525 + 1013904223
		a[i] = int32(x)
	}
	slices.Sort(a)
	var sum uint64
	for i, v := range a {
		sum += uint64(uint32(v)) * uint64(i+1)
	}
	return sum
}

func refHash(n uint32) uint64 {
	const (
		p1 = 0x9E3779B185EBCA87
		p2 = 0xC2B2AE3D27D4EB4F
		p3 = 0x165667B19E3779F9
		p4 = 0x85EBCA77C2B2AE63
	)
	h := uint64(p3)
	f := uint32(2166136261)
	for i := range n {
		k := bits.RotateLeft64(uint64(i)*p2, 31) * p1
		h ^= k
		h = bits.RotateLeft64(h, 27)*p1 + p4
		f = (f ^ (i & 0xff)) * 16777619
		f = (f ^ (i >> 8 & 0xff)) * 16777619
	}
	h ^= h >> 33
	h *= p2
	h ^= h >> 29
	h *= p3
	h ^= h >> 32
	return h ^ uint64(f)
}

func refMandel(n uint32) uint64 {
	var total uint64
	for py := range n {
		cy := float64(float64(py)*(2.0/float64(n))) - 1.0
		for px := range n {
			cx := float64(float64(px)*(3.0/float64(n))) - 2.0
			x, y := 0.0, 0.0
			it := uint64(0)
			for it < 100 && float64(x*x)+float64(y*y) <= 4.0 {
				t := float64(x*x) - float64(y*y) + cx
				y = float64(2.0*x*y) + cy
				x = t
				it++
			}
			total += it
		}
	}
	return total
}

// refInterp is what interp.c's bytecode program computes; the program tests i < n only
// after its loop body, so the body runs at least once.
func refInterp(n uint32) uint64 {
	var acc uint64
	for i := uint64(0); ; {
		acc = acc*31 + (i*i^i>>3)&0xffff
		i++
		if i >= uint64(n) {
			return acc
		}
	}
}

func refIndirect(n uint32) uint64 {
	ops := [8]func(a, b uint64) uint64{
		func(a, b uint64) uint64 { return a + b },
		func(a, b uint64) uint64 { return a ^ b*0x9E3779B97F4A7C15 },
		func(a, b uint64) uint64 { return bits.RotateLeft64(a, int(b&63)) },
		func(a, b uint64) uint64 { return a*0xFF51AFD7ED558CCD + 1 },
		func(a, b uint64) uint64 { return a - b<<3 },
		func(a, b uint64) uint64 { return a>>7 ^ a ^ b },
		func(a, b uint64) uint64 { return a*5 + b },
		func(a, b uint64) uint64 { return ^a + b },
	}
	x := uint64(1)
	for i := range uint64(n) {
		x = ops[(x^x>>29^i)&7](x, i)
	}
	return x
}

func refBlur(n uint32) uint64 {
	const w, h = 256, 64
	var a, b [h][w]uint8
	s := uint32(1)
	for y := range h {
		for x := range w {
			s = s*1103515245 + 12345
			a[y][x] = uint8(s >> 24)
		}
	}
	for r := range n {
		for y := 1; y < h-1; y++ {
			for x := range w {
				b[y][x] = uint8((uint32(a[y-1][x]) + 2*uint32(a[y][x]) + uint32(a[y+1][x]) + 2) >> 2)
			}
		}
		for y := 1; y < h-1; y++ {
			for x := range w {
				a[y][x] = b[y][x] ^ uint8(r)
			}
		}
	}
	var sum uint64
	for y := range h {
		for x := range w {
			sum = sum*31 + uint64(a[y][x])
		}
	}
	return sum
}
