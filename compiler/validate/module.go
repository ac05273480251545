// Package validate implements WebAssembly module validation.
package validate

import (
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// Limits from the specification.
const (
	maxPages = 65536
)

// FuncInfo is what validation learns about a defined function that later
// stages can use.
type FuncInfo struct {
	MaxStack   int  // deepest operand stack, in values
	MaxControl int  // deepest control stack, in frames (including the function frame)
	UsesMemory bool // touches a linear memory
	UsesTables bool // touches a table, including call_indirect
}

// Info holds per-function results of validation, indexed by defined function.
type Info struct {
	Funcs []FuncInfo
}

// Validate checks m against the specification with features f. Errors are *wasm.Error.
func Validate(m *wasm.Module, f wasm.Features) error {
	_, err := ValidateInfo(m, f)
	return err
}

// ValidateInfo is Validate that also returns per-function information.
func ValidateInfo(m *wasm.Module, f wasm.Features) (*Info, error) {
	v := &moduleValidator{m: m, f: f}
	if err := v.module(); err != nil {
		return nil, err
	}
	info := &Info{Funcs: make([]FuncInfo, len(m.Code))}
	if err := v.funcs(info); err != nil {
		return nil, err
	}
	return info, nil
}

// parallelFrom is the size of code (bytes of function bodies) from which
// the functions are validated on all cores: CRuby's 30 MB take a third of
// a second on one, while the compile after it waits.
var parallelFrom = 1 << 20 // a variable for tests

// funcChunk is how many functions a goroutine takes at a time.
const funcChunk = 64

// funcs validates the function bodies into info. With several
// goroutines, each takes chunks of functions in index order, and the
// error returned is still the first function's that fails: no chunk
// before the lowest failure found is skipped.
func (v *moduleValidator) funcs(info *Info) error {
	m := v.m
	nImp := uint32(m.NumImportedFuncs())
	size := 0
	for i := range m.Code {
		size += len(m.Code[i].Body)
	}
	workers := min(runtime.GOMAXPROCS(0), (len(m.Code)+funcChunk-1)/funcChunk)
	if size < parallelFrom || workers < 2 {
		fv := newFuncValidator(m, v.f, v.declared)
		for i := range m.Code {
			fi, err := fv.validate(nImp+uint32(i), &m.Code[i])
			if err != nil {
				return err
			}
			info.Funcs[i] = fi
		}
		return nil
	}
	var (
		next     atomic.Int64 // the next chunk
		mu       sync.Mutex
		failedAt = len(m.Code)
		failure  error
		wg       sync.WaitGroup
	)
	failed := func() int {
		mu.Lock()
		defer mu.Unlock()
		return failedAt
	}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fv := newFuncValidator(m, v.f, v.declared)
			for {
				start := int(next.Add(1)-1) * funcChunk
				if start >= len(m.Code) || start > failed() {
					return
				}
				for i := start; i < min(start+funcChunk, len(m.Code)); i++ {
					fi, err := fv.validate(nImp+uint32(i), &m.Code[i])
					if err != nil {
						mu.Lock()
						if i < failedAt {
							failedAt, failure = i, err
						}
						mu.Unlock()
						return
					}
					info.Funcs[i] = fi
				}
			}
		}()
	}
	wg.Wait()
	return failure
}

type moduleValidator struct {
	m        *wasm.Module
	f        wasm.Features
	section  string
	declared []bool // functions that ref.func may name
	r        wasm.Reader
	ins      wasm.Instr
	stack    []wasm.ValType
}

func (v *moduleValidator) errf(off int, format string, args ...any) error {
	return &wasm.Error{Section: v.section, FuncIndex: -1, Offset: off, Msg: fmt.Sprintf(format, args...)}
}

func (v *moduleValidator) module() error {
	m := v.m
	v.section = "type"
	for i := range m.Types {
		if len(m.Types[i].Results) > 1 && v.f&wasm.FeatureMultiValue == 0 {
			return v.errf(m.SectionOffsets[1], "invalid result arity")
		}
	}
	v.section = "import"
	for i := range m.Imports {
		im := &m.Imports[i]
		var err error
		switch im.Kind {
		case wasm.ExternFunc:
			if int64(im.TypeIndex) >= int64(len(m.Types)) {
				err = v.errf(im.Offset, "unknown type %d", im.TypeIndex)
			}
		case wasm.ExternTable:
			err = v.tableLimits(im.Table.Limits, im.Offset)
		case wasm.ExternMemory:
			err = v.memLimits(im.Memory.Limits, im.Offset)
		case wasm.ExternGlobal:
			if im.Global.Mutable && v.f&wasm.FeatureMutableGlobal == 0 {
				err = v.errf(im.Offset, "mutable global import not supported")
			}
		}
		if err != nil {
			return err
		}
	}
	v.section = "function"
	for _, ti := range m.Functions {
		if int64(ti) >= int64(len(m.Types)) {
			return v.errf(m.SectionOffsets[3], "unknown type %d", ti)
		}
	}
	v.section = "table"
	for i := range m.Tables {
		if err := v.tableLimits(m.Tables[i].Limits, m.SectionOffsets[4]); err != nil {
			return err
		}
	}
	if m.NumTables() > 1 && v.f&wasm.FeatureReferenceTypes == 0 {
		return v.errf(m.SectionOffsets[4], "multiple tables")
	}
	v.section = "memory"
	for i := range m.Memories {
		if err := v.memLimits(m.Memories[i].Limits, m.SectionOffsets[5]); err != nil {
			return err
		}
	}
	if m.NumMemories() > 1 {
		return v.errf(m.SectionOffsets[5], "multiple memories")
	}

	v.declared = make([]bool, m.NumFuncs())
	v.section = "global"
	nImpGlobals := uint32(m.NumImportedGlobals())
	for i := range m.Globals {
		g := &m.Globals[i]
		// Initializers see only imported globals.
		if err := v.constExpr(&g.Init, g.Type.Type, nImpGlobals); err != nil {
			return err
		}
	}
	v.section = "export"
	if err := v.exports(); err != nil {
		return err
	}
	v.section = "start"
	if m.HasStart {
		ft, ok := m.FuncType(m.Start)
		if !ok {
			return v.errf(m.SectionOffsets[8], "unknown function %d", m.Start)
		}
		if len(ft.Params) != 0 || len(ft.Results) != 0 {
			return v.errf(m.SectionOffsets[8], "start function must have type [] -> [], has %s", ft)
		}
	}
	v.section = "element"
	for i := range m.Elements {
		if err := v.element(&m.Elements[i]); err != nil {
			return err
		}
	}
	v.section = "data"
	for i := range m.Data {
		d := &m.Data[i]
		if d.Mode != wasm.SegmentActive {
			continue
		}
		if _, ok := m.MemoryType(d.Memory); !ok {
			return v.errf(d.Offset, "unknown memory %d", d.Memory)
		}
		if err := v.constExpr(&d.OffsetExpr, wasm.I32, nImpGlobals); err != nil {
			return err
		}
	}
	return nil
}

func (v *moduleValidator) tableLimits(l wasm.Limits, off int) error {
	if l.HasMax && l.Min > l.Max {
		return v.errf(off, "size minimum must not be greater than maximum")
	}
	return nil
}

func (v *moduleValidator) memLimits(l wasm.Limits, off int) error {
	if l.Min > maxPages || (l.HasMax && l.Max > maxPages) {
		return v.errf(off, "memory size must be at most 65536 pages (4GiB)")
	}
	if l.HasMax && l.Min > l.Max {
		return v.errf(off, "size minimum must not be greater than maximum")
	}
	return nil
}

func (v *moduleValidator) exports() error {
	m := v.m
	seen := make(map[string]struct{}, len(m.Exports))
	for i := range m.Exports {
		e := &m.Exports[i]
		if _, dup := seen[e.Name]; dup {
			return v.errf(e.Offset, "duplicate export name %q", e.Name)
		}
		seen[e.Name] = struct{}{}
		ok := false
		switch e.Kind {
		case wasm.ExternFunc:
			if ok = int64(e.Index) < int64(m.NumFuncs()); ok {
				v.declared[e.Index] = true
			}
		case wasm.ExternTable:
			_, ok = m.TableType(e.Index)
		case wasm.ExternMemory:
			_, ok = m.MemoryType(e.Index)
		case wasm.ExternGlobal:
			var g *wasm.GlobalType
			if g, ok = m.GlobalType(e.Index); ok && g.Mutable && v.f&wasm.FeatureMutableGlobal == 0 {
				return v.errf(e.Offset, "mutable global export not supported")
			}
		}
		if !ok {
			kind := e.Kind.String()
			if e.Kind == wasm.ExternFunc {
				kind = "function"
			}
			return v.errf(e.Offset, "unknown %s %d", kind, e.Index)
		}
	}
	return nil
}

func (v *moduleValidator) element(seg *wasm.ElementSegment) error {
	m := v.m
	if seg.Mode == wasm.SegmentActive {
		tt, ok := m.TableType(seg.Table)
		if !ok {
			return v.errf(seg.Offset, "unknown table %d", seg.Table)
		}
		if tt.Elem != seg.ElemType {
			return v.errf(seg.Offset, "type mismatch: element segment of %s for table of %s", seg.ElemType, tt.Elem)
		}
		if err := v.constExpr(&seg.OffsetExpr, wasm.I32, uint32(m.NumImportedGlobals())); err != nil {
			return err
		}
	}
	for _, fi := range seg.FuncIndices {
		if int64(fi) >= int64(len(v.declared)) {
			return v.errf(seg.Offset, "unknown function %d", fi)
		}
		v.declared[fi] = true
	}
	for i := range seg.Exprs {
		if err := v.constExpr(&seg.Exprs[i], seg.ElemType, uint32(m.NumImportedGlobals())); err != nil {
			return err
		}
	}
	return nil
}

// constExpr checks that e is a constant expression producing want. Only
// globals below numGlobals may be read, and they must be immutable.
func (v *moduleValidator) constExpr(e *wasm.ConstExpr, want wasm.ValType, numGlobals uint32) error {
	v.r.Reset(e.Bytes, e.Offset, v.f)
	v.stack = v.stack[:0]
	ext := v.f&wasm.FeatureExtendedConst != 0
	for {
		err := v.r.Next(&v.ins)
		if err == io.EOF {
			return v.errf(v.r.Offset(), "unexpected end")
		}
		if err != nil {
			return withSection(err, v.section)
		}
		ins := &v.ins
		switch ins.Op {
		case wasm.OpI32Const:
			v.stack = append(v.stack, wasm.I32)
		case wasm.OpI64Const:
			v.stack = append(v.stack, wasm.I64)
		case wasm.OpF32Const:
			v.stack = append(v.stack, wasm.F32)
		case wasm.OpF64Const:
			v.stack = append(v.stack, wasm.F64)
		case wasm.OpV128Const:
			v.stack = append(v.stack, wasm.V128)
		case wasm.OpRefNull:
			v.stack = append(v.stack, ins.RefType)
		case wasm.OpRefFunc:
			if int64(ins.Index) >= int64(len(v.declared)) {
				return v.errf(ins.Offset, "unknown function %d", ins.Index)
			}
			v.declared[ins.Index] = true
			v.stack = append(v.stack, wasm.FuncRef)
		case wasm.OpGlobalGet:
			g, ok := v.m.GlobalType(ins.Index)
			if !ok || ins.Index >= numGlobals {
				return v.errf(ins.Offset, "unknown global %d", ins.Index)
			}
			if g.Mutable {
				return v.errf(ins.Offset, "constant expression required: global.get of mutable global %d", ins.Index)
			}
			v.stack = append(v.stack, g.Type)
		case wasm.OpI32Add, wasm.OpI32Sub, wasm.OpI32Mul, wasm.OpI64Add, wasm.OpI64Sub, wasm.OpI64Mul:
			if !ext {
				return v.errf(ins.Offset, "constant expression required: %s", ins.Op)
			}
			t := ins.Info.Out[0]
			n := len(v.stack)
			if n < 2 || v.stack[n-1] != t || v.stack[n-2] != t {
				return v.errf(ins.Offset, "type mismatch in constant expression")
			}
			v.stack = v.stack[:n-1]
		case wasm.OpEnd:
			if len(v.stack) != 1 || v.stack[0] != want {
				return v.errf(ins.Offset, "type mismatch: constant expression must produce %s", want)
			}
			if v.r.Remaining() != 0 {
				return v.errf(v.r.Offset(), "section size mismatch")
			}
			return nil
		default:
			return v.errf(ins.Offset, "constant expression required: %s", ins.Op)
		}
	}
}

func withSection(err error, section string) error {
	if e, ok := err.(*wasm.Error); ok && e.Section == "" {
		e.Section = section
	}
	return err
}
