package compiler

import (
	"encoding/binary"
	"fmt"
	"slices"
	"sync"

	"github.com/wasiaot/wasiaot/backend/amd64"
	"github.com/wasiaot/wasiaot/compiler/lower"
	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/runtime/abi"
	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// funcAlign is the alignment of every function and stub in .text.
const funcAlign = 16

// pad appends int3 bytes up to the next multiple of funcAlign.
func pad(text []byte) []byte {
	for len(text)%funcAlign != 0 {
		text = append(text, 0xcc)
	}
	return text
}

// link lays the functions out in index order, patches direct calls,
// appends the entry stubs and builds the trap and call tables.
func link(a *artifact.Artifact, m *wasm.Module, codes []*amd64.Code, entry <-chan entryStubs) error {
	nimp := uint32(m.NumImportedFuncs())
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
		for _, cs := range c.Calls {
			callee := uint32(cs.Func)
			if cs.Func < 0 || callee < nimp || callee-nimp >= uint32(len(codes)) {
				return fmt.Errorf("function %d: direct call to function %d, which is not defined in the module", fn, cs.Func)
			}
			at := base + uint32(cs.Offset)
			rel := int64(offsets[callee-nimp]) - int64(at+4)
			binary.LittleEndian.PutUint32(text[at:], uint32(int32(rel)))
		}
		for _, t := range c.Traps {
			kind := artifact.TrapKind(t.Code)
			if t.Code == amd64.TrapCodeStackOverflow {
				kind = artifact.TrapStackOverflow
			}
			code.Traps = append(code.Traps, artifact.Site{Offset: base + uint32(t.Offset), Kind: kind, Func: fn, WasmOffset: uint32(t.Pos)})
		}
		for _, p := range c.Positions {
			code.Traps = append(code.Traps, artifact.Site{Offset: base + uint32(p.Offset), Kind: artifact.TrapMemoryOutOfBounds, Func: fn, WasmOffset: uint32(p.Pos)})
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
	code *amd64.Code
	name string // nil code: not callable from the host
}

type entryStubs struct {
	byType []entryStub
	err    error
}

// buildEntryStubs compiles the entry stubs of m's types. It depends only on
// the types, so it runs alongside the functions rather than after them.
// stubAllocators keeps register allocators for entry stubs, whose arenas
// would otherwise be grown afresh for every module.
var stubAllocators sync.Pool

func buildEntryStubs(m *wasm.Module, layout abi.Layout) (res entryStubs) {
	defer func() {
		if r := recover(); r != nil {
			res = entryStubs{err: fmt.Errorf("entry stubs: internal compiler error: %v", r)}
		}
	}()
	alloc, _ := stubAllocators.Get().(*amd64.Allocator)
	if alloc == nil {
		alloc = amd64.NewAllocator()
	}
	defer stubAllocators.Put(alloc)
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
		f, err := amd64.EntryStub(fmt.Sprintf("entry_%d", t), &sig, layout.EntryTarget)
		if err != nil {
			continue // not callable from the host (v128)
		}
		if err := alloc.Allocate(f); err != nil {
			continue // more params or results than registers
		}
		c, err := amd64.Emit(f)
		if err != nil {
			return entryStubs{err: fmt.Errorf("entry stub for type %d: %v", t, err)}
		}
		stubs[t].code, stubs[t].name = c, f.Name
	}
	return entryStubs{byType: stubs}
}
