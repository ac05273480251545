package backend

import (
	"encoding/binary"
	"fmt"
)

// RelocKind says how a relocation is patched. The kinds are the union of
// what the backends emit; each names the machine it belongs to.
type RelocKind uint8

const (
	// RelocAMD64Rel32 is the 32-bit displacement of an amd64 CALL or JMP
	// rel32, at Offset, relative to the end of the field (Offset+4).
	RelocAMD64Rel32 RelocKind = iota + 1
	// RelocARM64Call26 is an arm64 BL (or B) at Offset: imm26, the
	// distance in instructions from the instruction, ±128 MiB.
	RelocARM64Call26
	// RelocARM64AdrpAdd is an arm64 ADRP at Offset followed by an ADD
	// (immediate) at Offset+4 that together form the target's address.
	RelocARM64AdrpAdd
)

func (k RelocKind) String() string {
	switch k {
	case RelocAMD64Rel32:
		return "amd64 rel32"
	case RelocARM64Call26:
		return "arm64 call26"
	case RelocARM64AdrpAdd:
		return "arm64 adrp+add"
	}
	return fmt.Sprintf("reloc(%d)", uint8(k))
}

// Reloc is a place in a function's code that must point at another
// function.
type Reloc struct {
	Offset int32 // in the function's Bytes
	Kind   RelocKind
	Func   int32 // the target: a wasm function index
}

// Apply patches the relocation of kind k at text[at:] so that it reaches
// the text offset target. The patched instruction bits other than the
// address field are kept.
func Apply(text []byte, k RelocKind, at, target uint32) error {
	need := 4
	if k == RelocARM64AdrpAdd {
		need = 8
	}
	if uint64(at)+uint64(need) > uint64(len(text)) {
		return fmt.Errorf("%v relocation at %#x beyond the text (%#x bytes)", k, at, len(text))
	}
	switch k {
	case RelocAMD64Rel32:
		rel := int64(target) - int64(at+4)
		binary.LittleEndian.PutUint32(text[at:], uint32(int32(rel)))
	case RelocARM64Call26:
		rel := int64(target) - int64(at)
		if rel%4 != 0 || rel < -(1<<27) || rel >= 1<<27 {
			return fmt.Errorf("%v relocation at %#x cannot reach %#x", k, at, target)
		}
		ins := binary.LittleEndian.Uint32(text[at:])
		ins = ins&^(1<<26-1) | uint32(rel>>2)&(1<<26-1)
		binary.LittleEndian.PutUint32(text[at:], ins)
	case RelocARM64AdrpAdd:
		page := int64(target>>12) - int64(at>>12)
		if page < -(1<<20) || page >= 1<<20 {
			return fmt.Errorf("%v relocation at %#x cannot reach %#x", k, at, target)
		}
		adrp := binary.LittleEndian.Uint32(text[at:])
		lo, hi := uint32(page)&3, uint32(page>>2)&(1<<19-1)
		adrp = adrp&^(3<<29|(1<<19-1)<<5) | lo<<29 | hi<<5
		add := binary.LittleEndian.Uint32(text[at+4:])
		add = add&^((1<<12-1)<<10) | (target&(1<<12-1))<<10
		binary.LittleEndian.PutUint32(text[at:], adrp)
		binary.LittleEndian.PutUint32(text[at+4:], add)
	default:
		return fmt.Errorf("unknown relocation kind %v at %#x", k, at)
	}
	return nil
}
