package runtime

import (
	"strings"
	"sync"

	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// ValType is a wasm value type in its binary encoding.
type ValType = artifact.ValType

// The value types.
const (
	I32       = artifact.I32
	I64       = artifact.I64
	F32       = artifact.F32
	F64       = artifact.F64
	V128      = artifact.V128
	FuncRef   = artifact.FuncRef
	ExternRef = artifact.ExternRef
)

// FuncType is a function signature.
type FuncType struct {
	Params, Results []ValType
}

func (t FuncType) String() string {
	var b strings.Builder
	b.WriteString("func(")
	for i, p := range t.Params {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.String())
	}
	b.WriteString(")")
	if len(t.Results) > 0 {
		b.WriteString(" -> (")
		for i, r := range t.Results {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(r.String())
		}
		b.WriteString(")")
	}
	return b.String()
}

func (t FuncType) equal(u FuncType) bool {
	return string(valBytes(t.Params)) == string(valBytes(u.Params)) &&
		string(valBytes(t.Results)) == string(valBytes(u.Results))
}

func valBytes(ts []ValType) []byte {
	b := make([]byte, len(ts))
	for i, t := range ts {
		b[i] = byte(t)
	}
	return b
}

// words is how many uint64 words values of these types take in the Go API.
func words(ts []ValType) int {
	n := len(ts)
	for _, t := range ts {
		if t == V128 {
			n++
		}
	}
	return n
}

// typeIDs canonicalises signatures process-wide: equal signatures get equal
// ids in every module, so call_indirect compares one 32-bit word.
var typeIDs struct {
	mu  sync.Mutex
	ids map[string]uint32
}

// smallTypeIDs caches the ids of signatures of at most seven values under a
// key that costs no allocation; host modules make dozens per instance.
var smallTypeIDs struct {
	mu  sync.RWMutex
	ids map[uint64]uint32
}

// typeID returns the canonical id of t, never 0.
func typeID(t FuncType) uint32 {
	small := len(t.Params)+len(t.Results) <= 7
	var k uint64
	if small {
		k = uint64(len(t.Params))<<60 | uint64(len(t.Results))<<56
		for i, v := range t.Params {
			k |= uint64(v) << (8 * i)
		}
		for i, v := range t.Results {
			k |= uint64(v) << (8 * (len(t.Params) + i))
		}
		smallTypeIDs.mu.RLock()
		id, ok := smallTypeIDs.ids[k]
		smallTypeIDs.mu.RUnlock()
		if ok {
			return id
		}
	}
	key := string(valBytes(t.Params)) + "\x00" + string(valBytes(t.Results))
	typeIDs.mu.Lock()
	defer typeIDs.mu.Unlock()
	if typeIDs.ids == nil {
		typeIDs.ids = map[string]uint32{}
	}
	id, ok := typeIDs.ids[key]
	if !ok {
		id = uint32(len(typeIDs.ids) + 1)
		typeIDs.ids[key] = id
	}
	if small {
		smallTypeIDs.mu.Lock()
		if smallTypeIDs.ids == nil {
			smallTypeIDs.ids = map[uint64]uint32{}
		}
		smallTypeIDs.ids[k] = id
		smallTypeIDs.mu.Unlock()
	}
	return id
}

func fromArtifactType(t artifact.FuncType) FuncType {
	return FuncType{Params: t.Params, Results: t.Results}
}
