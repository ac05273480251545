package lower_test

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"

	"github.com/wasiaot/wasiaot/compiler/validate"
	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// Random structured functions (nested blocks, ifs, bounded loops, br_if,
// br_table, locals changing everywhere) give the same results when their
// lowered SSA is interpreted as when wazero's interpreter runs them. This
// aims at the SSA construction for locals, including its shortcuts.
func TestDifferentialLocals(t *testing.T) {
	compareWithWazero(t, 1000, genModule, [][2]uint32{{0, 0}, {1, 2}, {0xFFFFFFFF, 7}, {12345, 0x80000000}})
}

// compareWithWazero lowers the modules gen makes for seeds 0..n-1 and
// requires f to give, for each argument pair, what wazero's interpreter
// gives.
func compareWithWazero(t *testing.T, n uint64, gen func(seed uint64) []byte, argSets [][2]uint32) {
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer r.Close(ctx)
	for seed := range n {
		data := gen(seed)
		m, err := wasm.Decode(data, wasm.FeaturesV2)
		require.NoError(t, err, "seed %d", seed)
		require.NoError(t, validate.Validate(m, wasm.FeaturesV2), "seed %d", seed)
		x, err := instantiate(m)
		require.NoError(t, err)

		mod, err := r.Instantiate(ctx, data)
		require.NoError(t, err, "seed %d", seed)
		for _, args := range argSets {
			want, err := mod.ExportedFunction("f").Call(ctx, uint64(args[0]), uint64(args[1]))
			require.NoError(t, err)
			got, err := x.call(0, []uint64{uint64(args[0]), uint64(args[1])})
			require.NoError(t, err, "seed %d", seed)
			require.Equal(t, uint32(want[0]), uint32(got[0]), "seed %d args %v", seed, args)
		}
		require.NoError(t, mod.Close(ctx))
	}
}

const (
	genParams   = 2
	genLocals   = 6 // ordinary locals after the parameters
	genCounters = 4 // one loop counter per nesting level
)

// gen writes one random function body.
type gen struct {
	rnd    *rand.Rand
	b      []byte
	labels []bool // open labels, innermost last; true for loops and the function
	loops  int    // loop nesting, picks the counter
}

func (g *gen) push(loop bool) { g.labels = append(g.labels, loop) }
func (g *gen) pop()           { g.labels = g.labels[:len(g.labels)-1] }

// exitLabel picks the relative depth of an enclosing block or if: never a
// loop (the counter would be skipped) or the function (it takes a value).
func (g *gen) exitLabel() uint64 {
	for {
		d := g.pick(len(g.labels))
		if !g.labels[len(g.labels)-1-d] {
			return uint64(d)
		}
	}
}

func (g *gen) op(bs ...byte)    { g.b = append(g.b, bs...) }
func (g *gen) uv(v uint64)      { g.b = binary.AppendUvarint(g.b, v) }
func (g *gen) pick(n int) int   { return g.rnd.IntN(n) }
func (g *gen) anyVar() uint64   { return uint64(g.pick(genParams + genLocals)) }
func (g *gen) i32Const(c int64) { g.op(0x41); g.sleb(c) }

// sleb writes a signed LEB128 (binary.AppendVarint is zig-zag, not LEB).
func (g *gen) sleb(v int64) {
	for {
		c := byte(v & 0x7F)
		v >>= 7
		if v == 0 && c&0x40 == 0 || v == -1 && c&0x40 != 0 {
			g.op(c)
			return
		}
		g.op(c | 0x80)
	}
}

// expr pushes one i32.
func (g *gen) expr(d int) {
	switch k := g.pick(6); {
	case d > 2 || k == 0:
		g.op(0x20)
		g.uv(g.anyVar())
	case k == 1:
		g.i32Const(int64(g.pick(200)) - 100)
	case k == 2:
		g.expr(d + 1)
		g.expr(d + 1)
		g.op([]byte{0x6A, 0x6B, 0x6C, 0x73}[g.pick(4)]) // add sub mul xor
	case k == 3:
		g.expr(d + 1)
		g.expr(d + 1)
		g.expr(d + 1)
		g.op(0x1B) // select
	case k == 4: // a value computed in a block that may leave early
		g.op(0x02, 0x7F)
		g.expr(d + 1)
		g.expr(d + 1)
		g.op(0x0D, 0) // br_if 0 with the first value
		g.op(0x1A)    // drop it
		g.expr(d + 1)
		g.op(0x0B)
	default:
		g.op(0x20)
		g.uv(g.anyVar())
		g.i32Const(int64(g.pick(5)))
		g.op(0x6A)
	}
}

func (g *gen) stmts(d, n int) {
	for range n {
		g.stmt(d)
	}
}

func (g *gen) stmt(d int) {
	k := g.pick(8)
	if d > 3 {
		k = 0
	}
	switch k {
	case 0, 1: // local.set or local.tee
		g.expr(0)
		v := uint64(genParams + g.pick(genLocals))
		if k == 1 {
			g.op(0x22)
			g.uv(v)
			g.op(0x21)
			g.uv(uint64(genParams + g.pick(genLocals)))
		} else {
			g.op(0x21)
			g.uv(v)
		}
	case 2: // if/else
		g.expr(0)
		g.op(0x04, 0x40)
		g.push(false)
		g.stmts(d+1, g.pick(3))
		if g.pick(2) == 0 {
			g.op(0x05)
			g.stmts(d+1, g.pick(3))
		}
		g.pop()
		g.op(0x0B)
	case 3: // block with a conditional early exit
		g.op(0x02, 0x40)
		g.push(false)
		g.stmts(d+1, g.pick(3))
		g.expr(0)
		g.op(0x0D)
		g.uv(g.exitLabel())
		g.stmts(d+1, g.pick(3))
		g.pop()
		g.op(0x0B)
	case 4: // bounded loop
		if g.loops == genCounters {
			return
		}
		c := uint64(genParams + genLocals + g.loops)
		g.i32Const(int64(1 + g.pick(3)))
		g.op(0x21)
		g.uv(c)
		g.op(0x03, 0x40)
		g.push(true)
		g.loops++
		g.stmts(d+1, 1+g.pick(3))
		g.op(0x20)
		g.uv(c)
		g.i32Const(1)
		g.op(0x6B, 0x22) // sub; tee
		g.uv(c)
		g.op(0x0D, 0) // br_if 0
		g.loops--
		g.pop()
		g.op(0x0B)
	case 5: // leave an enclosing block from inside an if
		g.op(0x02, 0x40)
		g.push(false)
		g.stmts(d+1, g.pick(2))
		g.expr(0)
		g.op(0x04, 0x40)
		g.push(false)
		g.stmts(d+1, g.pick(2))
		g.op(0x0C)
		g.uv(g.exitLabel()) // out of the if, the block or further
		g.pop()
		g.op(0x0B)
		g.stmts(d+1, g.pick(2))
		g.pop()
		g.op(0x0B)
	case 6: // br_table over three nested blocks
		g.op(0x02, 0x40, 0x02, 0x40, 0x02, 0x40)
		g.push(false)
		g.push(false)
		g.push(false)
		g.stmts(d+1, g.pick(2))
		g.expr(0)
		g.op(0x0E, 3, 0, 1, 2, byte(g.pick(3))) // br_table 0 1 2 default
		g.op(0x0B)
		g.pop()
		g.stmts(d+1, g.pick(2))
		g.op(0x0B)
		g.pop()
		g.stmts(d+1, g.pick(2))
		g.op(0x0B)
		g.pop()
	default: // a nested function-level return
		g.expr(0)
		g.op(0x04, 0x40)
		g.result()
		g.op(0x0F) // return
		g.op(0x0B)
	}
}

// result pushes a value mixing all ordinary locals.
func (g *gen) result() {
	g.i32Const(0)
	for v := range genParams + genLocals {
		g.op(0x20)
		g.uv(uint64(v))
		g.op(0x73, 0x41, 0x05, 0x77) // xor; i32.const 5; rotl
	}
}

// genModule encodes a module exporting one random function
// f(i32, i32) -> i32.
func genModule(seed uint64) []byte {
	g := &gen{rnd: rand.New(rand.NewPCG(seed, 0x5eed))}
	g.op(1)
	g.uv(genLocals + genCounters)
	g.op(0x7F)
	g.push(true) // the function's own label
	g.stmts(0, 3+g.pick(6))
	g.result()
	g.op(0x0B)
	return encodeModule(g.b)
}

// encodeModule wraps a function body (locals and code) in a module that
// exports it as f(i32, i32) -> i32.
func encodeModule(body []byte) []byte {
	code := binary.AppendUvarint([]byte{1}, uint64(len(body)))
	code = append(code, body...)
	b := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
	b = append(b, 1, 7, 1, 0x60, 2, 0x7F, 0x7F, 1, 0x7F) // type section
	b = append(b, 3, 2, 1, 0)                            // function section
	b = append(b, 7, 5, 1, 1, 'f', 0, 0)                 // export "f"
	b = append(b, 10)
	b = binary.AppendUvarint(b, uint64(len(code)))
	return append(b, code...)
}
