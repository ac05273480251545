package compiler

import (
	"errors"
	"fmt"
	"slices"

	"github.com/wasiaot/wasiaot/backend"
	"github.com/wasiaot/wasiaot/compiler/lower"
	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/runtime/abi"
	"github.com/wasiaot/wasiaot/runtime/artifact"
	"github.com/wasiaot/wasiaot/runtime/trap"
)

// linker lays the functions out in index order as they are compiled: add
// appends a function's bytes to the text at once and keeps only what
// linking still needs (its relocations), so a module's machine code is
// held once, in the text, and not also function by function until the
// last one is done. finish patches direct calls, appends the entry stubs
// and sorts the trap and call tables.
type linker struct {
	target  backend.Target
	a       *artifact.Artifact
	nimp    uint32
	nfuncs  int
	text    []byte
	offsets []uint32 // of the functions added so far
	relocs  []pendingReloc
}

// pendingReloc is a direct call waiting for its callee's offset.
type pendingReloc struct {
	fn     uint32 // the caller, for errors
	at     uint32 // text offset of the patched field
	kind   backend.RelocKind
	callee int32 // the callee's function index
}

// newLinker starts the text of a's defined functions; codeSize, the
// bytes of wasm function bodies, sizes the text buffer up front.
func newLinker(target backend.Target, a *artifact.Artifact, m *wasm.Module, codeSize int) *linker {
	n := len(m.Functions)
	return &linker{
		target:  target,
		a:       a,
		nimp:    uint32(m.NumImportedFuncs()),
		nfuncs:  n,
		text:    make([]byte, 0, 2*codeSize+n*target.FuncAlign()+4096),
		offsets: make([]uint32, 0, n),
	}
}

// add places the next defined function (in index order) in the text.
// It keeps no reference to c.
func (l *linker) add(c *backend.Code) {
	i := len(l.offsets)
	fn := l.nimp + uint32(i)
	l.text = l.target.Pad(l.text)
	base := uint32(len(l.text))
	l.offsets = append(l.offsets, base)
	l.text = append(l.text, c.Bytes...)
	l.a.Module.Funcs[i].Offset = base
	l.a.Module.Funcs[i].Size = uint32(len(c.Bytes))
	for _, r := range c.Relocs {
		l.relocs = append(l.relocs, pendingReloc{fn: fn, at: base + uint32(r.Offset), kind: r.Kind, callee: r.Func})
	}
	code := &l.a.Code
	for _, t := range c.Traps {
		code.Traps = append(code.Traps, artifact.Site{Offset: base + uint32(t.Offset), Kind: t.Kind, Func: fn, WasmOffset: uint32(t.Pos)})
	}
	for _, p := range c.Positions {
		code.Traps = append(code.Traps, artifact.Site{Offset: base + uint32(p.Offset), Kind: trap.MemoryOutOfBounds, Func: fn, WasmOffset: uint32(p.Pos)})
	}
	for _, r := range c.Returns {
		code.Calls = append(code.Calls, artifact.Site{Offset: base + uint32(r.Offset), Func: fn, WasmOffset: uint32(r.Pos)})
	}
}

// finish links the functions added (all of m's) and appends the entry
// stubs.
func (l *linker) finish(m *wasm.Module, entry <-chan entryStubs) error {
	if len(l.offsets) != l.nfuncs {
		return fmt.Errorf("internal compiler error: %d of %d functions compiled", len(l.offsets), l.nfuncs)
	}
	text, nimp := l.text, l.nimp
	for _, r := range l.relocs {
		callee := uint32(r.callee)
		if r.callee < 0 || callee < nimp || callee-nimp >= uint32(l.nfuncs) {
			return fmt.Errorf("function %d: direct call to function %d, which is not defined in the module", r.fn, r.callee)
		}
		if err := backend.Apply(text, r.kind, r.at, l.offsets[callee-nimp]); err != nil {
			return fmt.Errorf("function %d: %v", r.fn, err)
		}
	}
	l.relocs = nil
	a, pad := l.a, l.target.Pad
	code := &a.Code
	bySite := func(x, y artifact.Site) int { return int(int64(x.Offset) - int64(y.Offset)) }
	slices.SortFunc(code.Traps, bySite)
	slices.SortFunc(code.Calls, bySite)

	// Entry stubs, one per type index (identical signatures share code).
	stubs := <-entry
	if stubs.err != nil {
		return stubs.err
	}
	code.EntryStubs = make([]uint32, len(m.Types))
	for t, st := range stubs.byType {
		switch {
		case st.same >= 0:
			code.EntryStubs[t] = code.EntryStubs[st.same]
		case st.code == nil:
			code.EntryStubs[t] = artifact.NoStub
		default:
			text = pad(text)
			off := uint32(len(text))
			text = append(text, st.code.Bytes...)
			code.EntryStubs[t] = off
			code.Stubs = append(code.Stubs, artifact.Stub{Name: st.name, Offset: off, Size: uint32(len(st.code.Bytes))})
		}
	}
	a.Text = pad(text)
	return nil
}

// entryStub is the entry stub of one type index.
type entryStub struct {
	same int // the earlier type index with the same signature, or -1
	code *backend.Code
	name string // nil code: not callable from the host
}

type entryStubs struct {
	byType []entryStub
	err    error
}

// buildEntryStubs compiles the entry stubs of m's types. It depends only on
// the types, so it runs alongside the functions rather than after them.
func buildEntryStubs(target backend.Target, m *wasm.Module, layout abi.Layout) (res entryStubs) {
	defer func() {
		if r := recover(); r != nil {
			res = entryStubs{err: fmt.Errorf("entry stubs: internal compiler error: %v", r)}
		}
	}()
	stubs := make([]entryStub, len(m.Types))
	done := map[string]int{}
	var kb []byte
	for t := range m.Types {
		stubs[t].same = -1
		// Types with the same parameters and results share a stub.
		kb = append(kb[:0], byte(len(m.Types[t].Params)))
		for _, v := range m.Types[t].Params {
			kb = append(kb, byte(v))
		}
		for _, v := range m.Types[t].Results {
			kb = append(kb, byte(v))
		}
		key := string(kb)
		if first, ok := done[key]; ok {
			stubs[t].same = first
			continue
		}
		done[key] = t
		sig := lower.Signature(&m.Types[t])
		name := fmt.Sprintf("entry_%d", t)
		c, err := target.EntryStub(name, &sig, layout.EntryTarget)
		if errors.Is(err, backend.ErrNoEntryStub) {
			continue // not callable from the host (v128, too many values)
		}
		if err != nil {
			return entryStubs{err: fmt.Errorf("entry stub for type %d: %v", t, err)}
		}
		stubs[t].code, stubs[t].name = c, name
	}
	return entryStubs{byType: stubs}
}
