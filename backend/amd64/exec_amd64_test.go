//go:build amd64 && linux

package amd64

import (
	"math"
	"syscall"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/backend/regalloc"
)

// The runtime's trampolines live in runtime/internal/native, which this
// package may not import. These tests instead call emitted code directly as
// a Go func value: Go's internal ABI passes the first integer argument and
// result in RAX and float ones in X0, so a two-byte-longer stub moves RAX to
// RDI (our first argument register). The code runs on the goroutine stack,
// which is fine for small leaf functions without vmctx accesses.

func mapCode(t *testing.T, c *Code) []byte {
	stub := []byte{0x48, 0x89, 0xc7} // mov rdi, rax
	mem, err := syscall.Mmap(-1, 0, len(stub)+len(c.Bytes), syscall.PROT_READ|syscall.PROT_WRITE|syscall.PROT_EXEC, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	require.NoError(t, err)
	t.Cleanup(func() { _ = syscall.Munmap(mem) })
	copy(mem, stub)
	copy(mem[len(stub):], c.Bytes)
	return mem
}

func compile(t *testing.T, src string) *Code {
	c, _ := compileStats(t, src)
	return c
}

func compileStats(t *testing.T, src string) (*Code, regalloc.Stats) {
	f, err := Parse(src)
	require.NoError(t, err)
	a := NewAllocator()
	a.Check = true
	require.NoError(t, a.Allocate(f))
	c, err := Emit(f)
	require.NoError(t, err)
	return c, a.Last.Stats
}

func intFunc(mem []byte) func(int64) int64 {
	entry := uintptr(unsafe.Pointer(&mem[0]))
	p := &entry
	return *(*func(int64) int64)(unsafe.Pointer(&p))
}

func floatFunc(mem []byte) func(int64) float64 {
	entry := uintptr(unsafe.Pointer(&mem[0]))
	p := &entry
	return *(*func(int64) float64)(unsafe.Pointer(&p))
}

func TestExecSumLoop(t *testing.T) {
	mem := mapCode(t, compile(t, `
b0:
  params v0
  mov.q v1, 0
  mov.q v2, 1
  jmp b1
b1 depth=1:
  add.q v1, v1, v2
  add.q v2, v2, 1
  cmp.q v2, v0
  jcc le b2, b3
b2 depth=1:
  jmp b1
b3:
  ret v1
`))
	sum := intFunc(mem)
	for _, n := range []int64{1, 2, 10, 1000, 123456} {
		require.Equal(t, n*(n+1)/2, sum(n), "n=%d", n)
	}
}

// TestExecPressure runs code that spills: 16 values live at once.
func TestExecPressure(t *testing.T) {
	src := "b0:\n  params v0\n"
	for i := 1; i <= 15; i++ {
		src += "  imul3.q v" + itoa(i) + ", v0, " + itoa(i) + "\n"
	}
	src += "  mov.q v99, 0\n"
	// An address operand must be a register: a spilled value is reloaded.
	for i := 1; i <= 15; i++ {
		src += "  lea.q v" + itoa(200+i) + ", [v" + itoa(i) + "+v" + itoa(i) + "*2]\n"
		src += "  add.q v" + itoa(99+i) + ", v" + itoa(98+i) + ", v" + itoa(200+i) + "\n"
	}
	src += "  add.q v300, v114, v15\n  ret v300\n"
	c, st := compileStats(t, src)
	require.Positive(t, st.Spills)
	require.Positive(t, st.Reloads)
	f := intFunc(mapCode(t, c))
	for _, n := range []int64{0, 1, 7, -3} {
		want := int64(0)
		for i := int64(1); i <= 15; i++ {
			want += 3 * n * i
		}
		want += 15 * n
		require.Equal(t, want, f(n))
	}
}

func TestExecDivAndFloat(t *testing.T) {
	div := intFunc(mapCode(t, compile(t, `
b0:
  params v0
  mov.q v1, 7
  sext.q v2, v0
  idiv.q v3, v4, v0, v2, v1
  imul3.q v5, v3, 100
  add.q v6, v5, v4
  ret v6
`)))
	for _, n := range []int64{100, -100, 6, 0, 1 << 40} {
		require.Equal(t, n/7*100+n%7, div(n), "n=%d", n)
	}
	half := floatFunc(mapCode(t, compile(t, `
b0:
  params v0
  cvtsi2sd.q f0, v0
  mulsd f1, f0, const64(0x3fe0000000000000)
  roundsd f2, f1, 1
  sqrtsd f3, f2
  ret f3
`)))
	require.Equal(t, 3.0, half(18)) // sqrt(floor(9))
	require.Equal(t, 2.0, half(9))  // sqrt(floor(4.5))
}

func itoa(i int) string {
	if i < 0 {
		return "-" + itoa(-i)
	}
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func floatFunc2(mem []byte) func(float64, float64) float64 {
	entry := uintptr(unsafe.Pointer(&mem[0]))
	p := &entry
	return *(*func(float64, float64) float64)(unsafe.Pointer(&p))
}

// TestExecMinMax runs the wasm f64.min and f64.max sequences: NaN in,
// NaN out, and -0 < +0, which minsd/maxsd alone get wrong.
func TestExecMinMax(t *testing.T) {
	seq := func(op, join string) string {
		return `
b0:
  params f0, f1
  ucomisd f0, f1
  jcc p b1, b2
b1:
  addsd f2, f0, f1
  jmp b5
b2:
  jcc ne b3, b4
b3:
  ` + op + ` f2, f0, f1
  jmp b5
b4:
  ` + join + ` f2, f0, f1
  jmp b5
b5:
  ret f2
`
	}
	fmin := floatFunc2(mapCode(t, compile(t, seq("minsd", "orpd"))))
	fmax := floatFunc2(mapCode(t, compile(t, seq("maxsd", "andpd"))))
	negZero := math.Copysign(0, -1)
	nan := math.NaN()
	for _, c := range [][2]float64{{1, 2}, {2, 1}, {-3, 3}, {0, negZero}, {negZero, 0}, {nan, 1}, {1, nan}, {math.Inf(-1), 5}, {7, 7}} {
		a, b := c[0], c[1]
		for _, r := range []struct {
			name      string
			want, got float64
		}{{"min", math.Min(a, b), fmin(a, b)}, {"max", math.Max(a, b), fmax(a, b)}} {
			if math.IsNaN(r.want) {
				require.True(t, math.IsNaN(r.got), "%s(%v, %v) = %v", r.name, a, b, r.got)
				continue
			}
			require.Equal(t, math.Float64bits(r.want), math.Float64bits(r.got), "%s(%v, %v) = %v", r.name, a, b, r.got)
		}
	}
}
