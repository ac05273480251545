package runtime

import (
	"context"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twitchyliquid64/golang-asm/obj"
	"github.com/twitchyliquid64/golang-asm/obj/x86"

	"github.com/wasiaot/wasiaot/runtime/artifact"
	"github.com/wasiaot/wasiaot/runtime/trap"
)

// arith defines small functions of every scalar type.
func arith(b *builder) {
	b.fn("add32", vt(i32, i32), vt(i32), true, func(a *asm, _ uint32) {
		a.op(x86.AMOVL, reg(x86.REG_DI), reg(x86.REG_AX))
		a.op(x86.AADDL, reg(x86.REG_SI), reg(x86.REG_AX))
		a.op(obj.ARET, none, none)
	})
	b.fn("sub64", vt(i64, i64), vt(i64), true, func(a *asm, _ uint32) {
		a.op(x86.AMOVQ, reg(x86.REG_DI), reg(x86.REG_AX))
		a.op(x86.ASUBQ, reg(x86.REG_SI), reg(x86.REG_AX))
		a.op(obj.ARET, none, none)
	})
	b.fn("mulf32", vt(f32, f32), vt(f32), true, func(a *asm, _ uint32) {
		a.op(x86.AMULSS, reg(x86.REG_X1), reg(x86.REG_X0))
		a.op(obj.ARET, none, none)
	})
	b.fn("divf64", vt(f64, f64), vt(f64), true, func(a *asm, _ uint32) {
		a.op(x86.ADIVSD, reg(x86.REG_X1), reg(x86.REG_X0))
		a.op(obj.ARET, none, none)
	})
	// mix(a i32, b f64, c i64, d f32) -> (a+c, b+d)
	b.fn("mix", vt(i32, f64, i64, f32), vt(i64, f64), true, func(a *asm, _ uint32) {
		a.op(x86.AMOVL, reg(x86.REG_DI), reg(x86.REG_AX))
		a.op(x86.AADDQ, reg(x86.REG_SI), reg(x86.REG_AX))
		a.op(x86.ACVTSS2SD, reg(x86.REG_X1), reg(x86.REG_X1))
		a.op(x86.AADDSD, reg(x86.REG_X1), reg(x86.REG_X0))
		a.op(obj.ARET, none, none)
	})
	// dirty32 leaves garbage in the upper half of RAX: an i32 result is
	// its low 32 bits only.
	b.fn("dirty32", nil, vt(i32), true, func(a *asm, _ uint32) {
		a.op(x86.AMOVQ, imm(-2), reg(x86.REG_AX))
		a.op(obj.ARET, none, none)
	})
	b.fn("nop", nil, nil, true, func(a *asm, _ uint32) {
		a.op(obj.ARET, none, none)
	})
}

func TestCallV128(t *testing.T) {
	rt := newRuntime(t)
	inst := instantiate(t, load(t, rt, func(b *builder) {
		// swap(a i64, v v128, w v128) -> (w, v, a)
		b.fn("swap", vt(i64, artifact.V128, artifact.V128), vt(artifact.V128, artifact.V128, i64), true, func(a *asm, _ uint32) {
			a.op(x86.AMOVUPS, reg(x86.REG_X0), reg(x86.REG_X2))
			a.op(x86.AMOVUPS, reg(x86.REG_X1), reg(x86.REG_X0))
			a.op(x86.AMOVUPS, reg(x86.REG_X2), reg(x86.REG_X1))
			a.op(x86.AMOVQ, reg(x86.REG_DI), reg(x86.REG_AX))
			a.op(obj.ARET, none, none)
		})
	}), nil)
	require.Equal(t, []uint64{3, 4, 1, 2, 9}, call(t, inst, "swap", 9, 1, 2, 3, 4))
}

func TestHostPanicUnwinds(t *testing.T) {
	rt := newRuntime(t)
	im := Imports{"env": {
		"combine": NewHostFunction("c", FuncType{Params: vt(i32, i64, f64), Results: vt(i64, f32)}, func(context.Context, *Instance, []uint64, []uint64) error {
			panic("host bug")
		}),
		"fail": NewHostFunction("f", FuncType{}, func(context.Context, *Instance, []uint64, []uint64) error { return nil }),
	}}
	inst := instantiate(t, load(t, rt, hostModule), im)
	require.PanicsWithValue(t, "host bug", func() { inst.Call(context.Background(), "callcombine", 1, 2, 3) })
	require.Equal(t, []uint64{3}, call(t, inst, "add32", 1, 2))
	require.Zero(t, inst.active.Load())
	require.Zero(t, inst.sp, "the host call's scratch words are back")
}

func TestStartFunction(t *testing.T) {
	rt := newRuntime(t)
	var started int
	im := Imports{"env": {"hit": NewHostFunction("hit", FuncType{}, func(context.Context, *Instance, []uint64, []uint64) error {
		started++
		return nil
	})}}
	m := load(t, rt, func(b *builder) {
		b.importFunc("env", "hit", nil, nil)
		b.m.HasStart, b.m.Start = true, b.fn("start", nil, nil, false, func(a *asm, _ uint32) {
			a.op(x86.ASUBQ, imm(8), reg(x86.REG_SP))
			a.exit(0)
			a.op(x86.AADDQ, imm(8), reg(x86.REG_SP))
			a.op(obj.ARET, none, none)
		})
	})
	instantiate(t, m, im)
	require.Equal(t, 1, started)

	bad := load(t, rt, func(b *builder) {
		b.m.HasStart, b.m.Start = true, b.fn("start", nil, nil, false, func(a *asm, idx uint32) {
			b.site(a.trap(), trap.Unreachable, idx, 7)
		})
	})
	_, err := bad.Instantiate(context.Background(), nil)
	requireTrap(t, err, TrapUnreachable, 0)
	require.Zero(t, bad.live.Load(), "the failed instance was released")
}

func f32b(v float32) uint64 { return uint64(math.Float32bits(v)) }
func f64b(v float64) uint64 { return math.Float64bits(v) }

// TestCallsText runs testdata/calls.txt.
func TestCallsText(t *testing.T) {
	rt := newRuntime(t)
	mods := map[string]func(*builder){"arith": arith, "trap": trapModule, "mem": memModule}
	insts := map[string]*Instance{}
	text, err := os.ReadFile("testdata/calls.txt")
	require.NoError(t, err)
	for n, line := range strings.Split(string(text), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		where := fmt.Sprintf("calls.txt:%d: %s", n+1, line)
		lhs, want, ok := strings.Cut(line, "->")
		require.True(t, ok, where)
		f := strings.Fields(lhs)
		inst := insts[f[0]]
		if inst == nil {
			inst = instantiate(t, load(t, rt, mods[f[0]]), nil)
			insts[f[0]] = inst
		}
		fn := inst.ExportedFunction(f[1])
		require.NotNil(t, fn, where)
		require.Len(t, f[2:], len(fn.Type().Params), where)
		var args []uint64
		for i, a := range f[2:] {
			args = append(args, parseValue(t, a, fn.Type().Params[i]))
		}
		res, err := fn.Call(context.Background(), args...)
		want = strings.TrimSpace(want)
		if kind, ok := strings.CutPrefix(want, "trap "); ok {
			kind, off, hasOff := strings.Cut(kind, " @")
			var tr *Trap
			require.ErrorAs(t, err, &tr, where)
			require.Equal(t, kind, tr.Kind.String(), where)
			require.Equal(t, hasOff, tr.HasOffset, where)
			if hasOff {
				require.Equal(t, off, fmt.Sprintf("%#x", tr.Offset), where)
			}
			require.Equal(t, f[1], tr.FuncName, where)
			require.Contains(t, err.Error(), kind, where)
			continue
		}
		require.NoError(t, err, where)
		ws := strings.Fields(want)
		require.Len(t, res, len(ws), where)
		for i, w := range ws {
			require.Equal(t, parseValue(t, w, fn.Type().Results[i]), res[i], where)
		}
	}
}

// parseValue reads a value of type vt as its uint64 word.
func parseValue(t testing.TB, s string, vt artifact.ValType) uint64 {
	switch vt {
	case artifact.F32:
		v, err := strconv.ParseFloat(s, 32)
		require.NoError(t, err)
		return uint64(math.Float32bits(float32(v)))
	case artifact.F64:
		v, err := strconv.ParseFloat(s, 64)
		require.NoError(t, err)
		return math.Float64bits(v)
	}
	neg := strings.HasPrefix(s, "-")
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "-"), 0, 64)
	require.NoError(t, err, s)
	if neg {
		v = -v
	}
	if vt == artifact.I32 {
		v &= 0xffffffff
	}
	return v
}

func TestCallWithStack(t *testing.T) {
	rt := newRuntime(t)
	inst := instantiate(t, load(t, rt, arith), nil)
	stack := []uint64{0xffffffff, f64b(0.5), 3, f32b(1)}
	require.NoError(t, inst.ExportedFunction("mix").CallWithStack(context.Background(), stack))
	require.Equal(t, []uint64{0xffffffff + 3, f64b(1.5)}, stack[:2])
	require.ErrorContains(t, inst.ExportedFunction("mix").CallWithStack(context.Background(), stack[:3]), "stack of 3 words")
	allocs := testing.AllocsPerRun(100, func() {
		stack[0], stack[1] = 1, 2
		inst.ExportedFunction("add32").CallWithStack(context.Background(), stack)
	})
	require.Zero(t, allocs)
	require.Equal(t, uint64(3), stack[0])
}

func TestModuleCloseWaitsForInstances(t *testing.T) {
	rt := newRuntime(t)
	m, err := rt.Load(build(t, arith))
	require.NoError(t, err)
	inst, err := m.Instantiate(context.Background(), nil)
	require.NoError(t, err)
	require.NoError(t, m.Close())
	require.Error(t, m.Close())
	_, err = m.Instantiate(context.Background(), nil)
	require.ErrorContains(t, err, "module is closed")
	require.Equal(t, []uint64{3}, call(t, inst, "add32", 1, 2))
	require.NotNil(t, m.img)
	require.NoError(t, inst.Close())
	require.Nil(t, m.img, "code released with the last instance")
}

func TestCallErrors(t *testing.T) {
	rt := newRuntime(t)
	inst := instantiate(t, load(t, rt, arith), nil)
	_, err := inst.Call(context.Background(), "missing")
	require.ErrorContains(t, err, `no exported function "missing"`)
	_, err = inst.Call(context.Background(), "add32", 1)
	require.ErrorContains(t, err, "1 argument words")
	f := inst.ExportedFunction("mix")
	require.Equal(t, FuncType{Params: vt(i32, f64, i64, f32), Results: vt(i64, f64)}, f.Type())
	require.Equal(t, "func(i32, f64, i64, f32) -> (i64, f64)", f.Type().String())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = inst.Call(ctx, "nop")
	tr := requireTrap(t, err, TrapInterrupted, 6)
	require.ErrorIs(t, tr, context.Canceled)
}

func TestModuleDescribes(t *testing.T) {
	rt := newRuntime(t)
	m := load(t, rt, func(b *builder) {
		b.importFunc("env", "f", vt(i32), vt(i64))
		arith(b)
	})
	require.Equal(t, []ImportDesc{{Module: "env", Name: "f", Kind: KindFunc, Func: FuncType{Params: vt(i32), Results: vt(i64)}}}, m.Imports())
	ex := m.Exports()
	require.Len(t, ex, 7)
	require.Equal(t, ExportDesc{Name: "add32", Kind: KindFunc, Func: FuncType{Params: vt(i32, i32), Results: vt(i32)}}, ex[0])
	require.Equal(t, "add32", m.FuncName(1))
	require.Equal(t, "", m.FuncName(100))
}

func BenchmarkCall(b *testing.B) {
	rt := newRuntime(b)
	inst := instantiate(b, load(b, rt, arith), nil)
	ctx := context.Background()
	for _, name := range []string{"nop", "add32"} {
		f := inst.ExportedFunction(name)
		args := make([]uint64, len(f.Type().Params))
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := f.Call(ctx, args...); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("add32/stack", func(b *testing.B) {
		f := inst.ExportedFunction("add32")
		stack := make([]uint64, 2)
		for b.Loop() {
			stack[0], stack[1] = 1, 2
			if err := f.CallWithStack(ctx, stack); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("nop/cancelable", func(b *testing.B) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		f := inst.ExportedFunction("nop")
		for b.Loop() {
			if _, err := f.Call(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
