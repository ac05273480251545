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

// link lays the functions out in index order, patches direct calls,
// appends the entry stubs and builds the trap and call tables.
func link(target backend.Target, a *artifact.Artifact, m *wasm.Module, codes []*backend.Code, entry <-chan entryStubs) error {
	nimp := uint32(m.NumImportedFuncs())
	funcAlign := target.FuncAlign()
	pad := target.Pad
	// Size everything up front: these grow to tens of megabytes.
	size, ntraps, ncalls := 0, 0, 0
	for _, c := range codes {
		size = (size+funcAlign-1)&^(funcAlign-1) + len(c.Bytes)
		ntraps += len(c.Traps) + len(c.Positions)
		ncalls += len(c.Returns)
	}
	text := make([]byte, 0, size+size/64+4096)
	offsets := make([]uint32, len(codes))
	for i, c := range codes {
		text = pad(text)
		offsets[i] = uint32(len(text))
		text = append(text, c.Bytes...)
		a.Module.Funcs[i].Offset = offsets[i]
		a.Module.Funcs[i].Size = uint32(len(c.Bytes))
	}
	code := &a.Code
	code.Traps = slices.Grow(code.Traps, ntraps)
	code.Calls = slices.Grow(code.Calls, ncalls)
	for i, c := range codes {
		base := offsets[i]
		fn := nimp + uint32(i)
		for _, r := range c.Relocs {
			callee := uint32(r.Func)
			if r.Func < 0 || callee < nimp || callee-nimp >= uint32(len(codes)) {
				return fmt.Errorf("function %d: direct call to function %d, which is not defined in the module", fn, r.Func)
			}
			if err := backend.Apply(text, r.Kind, base+uint32(r.Offset), offsets[callee-nimp]); err != nil {
				return fmt.Errorf("function %d: %v", fn, err)
			}
		}
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
