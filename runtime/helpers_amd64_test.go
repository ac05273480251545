package runtime

import (
	"context"
	goruntime "runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/runtime/artifact"
)

var (
	i32 = artifact.I32
	i64 = artifact.I64
	f32 = artifact.F32
	f64 = artifact.F64
)

func vt(ts ...artifact.ValType) []artifact.ValType { return ts }

func newRuntime(t testing.TB) *Runtime {
	rt := New(Config{StackSize: 256 << 10})
	t.Cleanup(func() { rt.Close() })
	return rt
}

func load(t testing.TB, rt *Runtime, def func(b *builder)) *Module {
	m, err := rt.Load(build(t, def))
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

func instantiate(t testing.TB, m *Module, im Imports) *Instance {
	inst, err := m.Instantiate(context.Background(), im)
	require.NoError(t, err)
	t.Cleanup(func() { inst.Close() })
	return inst
}

func call(t testing.TB, inst *Instance, name string, args ...uint64) []uint64 {
	res, err := inst.Call(context.Background(), name, args...)
	require.NoError(t, err, name)
	return res
}

// requireTrap checks that err is a *Trap of kind k in function fn.
func requireTrap(t testing.TB, err error, k TrapKind, fn uint32) *Trap {
	require.Error(t, err)
	tr, ok := err.(*Trap)
	require.True(t, ok, "%T: %v", err, err)
	require.Equal(t, k, tr.Kind, "%v", err)
	require.Equal(t, fn, tr.Func, "%v", err)
	return tr
}

func importMemory(mod, name string, min, max uint64, hasMax bool) artifact.Import {
	return artifact.Import{Module: mod, Name: name, Kind: artifact.KindMemory, Memory: artifact.MemoryType{Limits: artifact.Limits{Min: min, Max: max, HasMax: hasMax}}}
}

func importTable(mod, name string, min, max uint64, hasMax bool) artifact.Import {
	return artifact.Import{Module: mod, Name: name, Kind: artifact.KindTable, Table: artifact.TableType{Elem: artifact.FuncRef, Limits: artifact.Limits{Min: min, Max: max, HasMax: hasMax}}}
}

func importGlobal(mod, name string, t artifact.ValType, mut bool) artifact.Import {
	return artifact.Import{Module: mod, Name: name, Kind: artifact.KindGlobal, Global: artifact.GlobalType{Type: t, Mutable: mut}}
}

func goruntimeGC() { goruntime.GC() }
