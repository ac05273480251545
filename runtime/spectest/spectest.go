// Package spectest provides the "spectest" host module that the WebAssembly
// specification tests import: print functions, four immutable globals
// (global_i32 666, global_i64 666, global_f32 666.6, global_f64 666.6), a
// funcref table of 10 elements (at most 20) and a memory of 1 page (at most
// 2).
package spectest

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/wasiaot/wasiaot/runtime"
)

// ModuleName is the name the spec tests import from.
const ModuleName = "spectest"

// Imports makes a fresh spectest module (its table, memory and globals are
// new) in rt. The print functions write one line per call to out, which may
// be nil to discard it.
func Imports(rt *runtime.Runtime, out io.Writer) (runtime.Imports, error) {
	if out == nil {
		out = io.Discard
	}
	im := runtime.Imports{}
	prints := []struct {
		name   string
		params []runtime.ValType
	}{
		{"print", nil},
		{"print_i32", []runtime.ValType{runtime.I32}},
		{"print_i64", []runtime.ValType{runtime.I64}},
		{"print_f32", []runtime.ValType{runtime.F32}},
		{"print_f64", []runtime.ValType{runtime.F64}},
		{"print_i32_f32", []runtime.ValType{runtime.I32, runtime.F32}},
		{"print_f64_f64", []runtime.ValType{runtime.F64, runtime.F64}},
	}
	for _, p := range prints {
		types := p.params
		fn := func(_ context.Context, _ *runtime.Instance, params, _ []uint64) error {
			_, err := fmt.Fprintln(out, format(types, params))
			return err
		}
		im.Define(ModuleName, p.name, runtime.NewHostFunction(ModuleName+"."+p.name, runtime.FuncType{Params: types}, fn))
	}
	globals := []struct {
		name string
		t    runtime.ValType
		v    uint64
	}{
		{"global_i32", runtime.I32, 666},
		{"global_i64", runtime.I64, 666},
		{"global_f32", runtime.F32, uint64(math.Float32bits(666.6))},
		{"global_f64", runtime.F64, math.Float64bits(666.6)},
	}
	for _, g := range globals {
		gl, err := runtime.NewGlobal(runtime.GlobalType{Type: g.t}, g.v)
		if err != nil {
			return nil, err
		}
		im.Define(ModuleName, g.name, gl)
	}
	tab, err := runtime.NewTable(runtime.TableType{Elem: runtime.FuncRef, Limits: runtime.Limits{Min: 10, Max: 20, HasMax: true}}, 0)
	if err != nil {
		return nil, err
	}
	im.Define(ModuleName, "table", tab)
	mem, err := rt.NewMemory(runtime.MemoryType{Limits: runtime.Limits{Min: 1, Max: 2, HasMax: true}})
	if err != nil {
		return nil, err
	}
	im.Define(ModuleName, "memory", mem)
	return im, nil
}

// format prints values the way the reference interpreter does: "42 : i32".
func format(types []runtime.ValType, vals []uint64) string {
	var parts []string
	for i, t := range types {
		var s string
		switch t {
		case runtime.I32:
			s = fmt.Sprint(int32(vals[i]))
		case runtime.I64:
			s = fmt.Sprint(int64(vals[i]))
		case runtime.F32:
			s = fmt.Sprint(math.Float32frombits(uint32(vals[i])))
		case runtime.F64:
			s = fmt.Sprint(math.Float64frombits(vals[i]))
		}
		parts = append(parts, s+" : "+t.String())
	}
	return strings.Join(parts, " ")
}
