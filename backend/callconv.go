package backend

import "github.com/wasiaot/wasiaot/compiler/ssa"

// RegCounts is how many integer and float registers a target passes
// arguments or results in (docs/calling-convention.md). Values beyond
// them go to the stack: arguments to the caller's outgoing area, results
// to a results area whose address is a hidden last integer argument.
type RegCounts struct{ Int, Float int }

// IsFloatType reports whether values of t live in float/vector registers.
func IsFloatType(t ssa.Type) bool {
	return t == ssa.TypeF32 || t == ssa.TypeF64 || t == ssa.TypeV128
}

// ResultsInRegs reports, per result of sig, whether it is returned in a
// register under results, and whether any result needs the results area.
func ResultsInRegs(sig *ssa.Signature, results RegCounts) (regs []bool, area bool) {
	regs = make([]bool, len(sig.Results))
	ni, nf := 0, 0
	for i, t := range sig.Results {
		if IsFloatType(t) {
			regs[i] = nf < results.Float
			nf++
		} else {
			regs[i] = ni < results.Int
			ni++
		}
		area = area || !regs[i]
	}
	return regs, area
}

// slotWords is how many 8-byte stack slots a value of type t takes.
func slotWords(t ssa.Type) int {
	if t == ssa.TypeV128 {
		return 2
	}
	return 1
}

// ArgSlots assigns arguments of the given types (plus the hidden results
// pointer, an integer, when area is set) to registers or stack slots under
// args: the result is -1 for a register, else the number of the first
// 8-byte stack slot (a v128 takes two).
func ArgSlots(types []ssa.Type, area bool, args RegCounts) (slots []int, nstack int) {
	ni, nf := 0, 0
	place := func(t ssa.Type) int {
		float := IsFloatType(t)
		if float && nf < args.Float {
			nf++
			return -1
		}
		if !float && ni < args.Int {
			ni++
			return -1
		}
		nstack += slotWords(t)
		return nstack - slotWords(t)
	}
	for _, t := range types {
		slots = append(slots, place(t))
	}
	if area {
		slots = append(slots, place(ssa.TypeI64))
	}
	return slots, nstack
}

// AreaOffsets gives every result's byte offset in a results area (8
// bytes per result, 16 for a v128, in order; results returned in
// registers keep their place) and the area's size.
func AreaOffsets(results []ssa.Type) (offs []int32, size int32) {
	for _, t := range results {
		offs = append(offs, size)
		size += int32(8 * slotWords(t))
	}
	return offs, size
}
