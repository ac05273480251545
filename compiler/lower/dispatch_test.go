package lower_test

import (
	"math/rand/v2"
	"testing"
)

// Random state machines in the shape of Go's wasm code (one loop around a
// br_table on a resume-point local, cases that set it to a constant or a
// computed value and branch back, fall into the next case, or return) give
// the same results lowered, with their constant branches threaded, as
// under wazero's interpreter.
func TestDifferentialDispatch(t *testing.T) {
	compareWithWazero(t, 600, genDispatchModule, [][2]uint32{{0, 0}, {1, 2}, {3, 7}, {0xFFFFFFFF, 5}, {6, 0x80000001}, {5, 100}})
}

const (
	pcLocal    = 0                                   // the resume point: the first parameter, as in Go's ABI
	stepsLocal = genParams + genLocals + genCounters // bounds the run
)

func genDispatchModule(seed uint64) []byte {
	g := &gen{rnd: rand.New(rand.NewPCG(seed, 0xd15)), labels: nil}
	g.op(1)
	g.uv(genLocals + genCounters + 1)
	g.op(0x7F)
	g.push(true) // the function's own label
	// pc &= 7
	g.op(0x20, pcLocal, 0x41, 7, 0x71, 0x21)
	g.uv(pcLocal)
	n := 2 + g.pick(5) // cases; index n and above: the default
	g.op(0x03, 0x40)   // loop $top
	g.push(true)
	loop := len(g.labels) - 1
	for range n + 1 {
		g.op(0x02, 0x40)
		g.push(false)
	}
	g.op(0x20)
	g.uv(pcLocal)
	g.op(0x0E)
	g.uv(uint64(n))
	for k := range n {
		g.uv(uint64(k))
	}
	g.uv(uint64(n))
	for k := range n + 1 {
		g.op(0x0B) // end of the block before case k (or the default)
		g.pop()
		top := func() uint64 { return uint64(len(g.labels) - 1 - loop) }
		// steps++; if steps > 40 { return result }
		g.op(0x20)
		g.uv(stepsLocal)
		g.op(0x41, 1, 0x6A, 0x22)
		g.uv(stepsLocal)
		g.op(0x41, 40, 0x4B, 0x04, 0x40)
		g.push(false)
		g.result()
		g.op(0x0F, 0x0B)
		g.pop()
		g.stmts(1, 1+g.pick(3))
		setPC := func(c int) {
			g.i32Const(int64(c))
			g.op(0x21)
			g.uv(pcLocal)
		}
		switch e := g.pick(9); {
		case k == n: // the default: a computed resume point
			g.expr(1)
			g.op(0x41, 7, 0x71, 0x21)
			g.uv(pcLocal)
			g.op(0x0C)
			g.uv(top())
		case e < 4: // a constant resume point
			setPC(g.pick(n + 2))
			g.op(0x0C)
			g.uv(top())
		case e == 4:
			g.expr(1)
			g.op(0x41, 7, 0x71, 0x21)
			g.uv(pcLocal)
			g.op(0x0C)
			g.uv(top())
		case e == 5:
			g.result()
			g.op(0x0F)
		case e == 6: // a constant resume point taken on a condition
			setPC(g.pick(n + 2))
			g.expr(1)
			g.op(0x0D)
			g.uv(top())
		case e == 7: // the same inside an if
			g.expr(1)
			g.op(0x04, 0x40)
			g.push(false)
			setPC(g.pick(n + 2))
			g.op(0x0C)
			g.uv(top())
			g.op(0x0B)
			g.pop()
		default: // fall into the next case
		}
	}
	g.op(0x0B) // end loop
	g.pop()
	g.result()
	g.op(0x0B)
	return encodeModule(g.b)
}
