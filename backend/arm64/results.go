package arm64

import (
	"github.com/wasiaot/wasiaot/backend"
	"github.com/wasiaot/wasiaot/compiler/ssa"
)

// Calls with more arguments or results than registers
// (docs/calling-convention.md): arguments beyond the registers go to the
// caller's outgoing area at [SP+8k] in order; results beyond the result
// registers (x0, x1, v0, v1) go to a results area whose address is a
// hidden last integer argument. Results take 8 bytes of the area each, a
// v128 16 (backend.AreaOffsets); callers place the area in their outgoing
// area after the stack arguments.

// inRegs reports, per result, whether it is returned in a register.
func inRegs(sig *ssa.Signature) (regs []bool, area bool) {
	return backend.ResultsInRegs(sig, backend.RegCounts{Int: len(IntResultRegs), Float: len(FloatResultReg)})
}

// argSlots assigns arguments of the given types (plus the hidden results
// pointer when area is set) to registers (-1) or stack slot numbers.
func argSlots(types []ssa.Type, area bool) (slots []int, nstack int) {
	return backend.ArgSlots(types, area, backend.RegCounts{Int: len(IntArgRegs), Float: len(FloatArgRegs)})
}

// areaSlot is result i's place in a results area addressed by p, at
// base bytes from p.
func areaSlot(p Reg, results []ssa.Type, base int32, i int) Operand {
	offs, _ := backend.AreaOffsets(results)
	return Base(p, base+offs[i])
}

// callSeq lays out a call: it stores stack arguments, passes the results
// area, and returns the registers for the call's Args and Rets and a
// function to run after the call that loads results from the area.
func (s *isel) callSeq(sig *ssa.Signature, args, rets []Reg) (callArgs, callRets []Reg, after func()) {
	regs, area := inRegs(sig)
	slots, nstack := argSlots(sig.Params, area)
	size := int32(8 * nstack)
	if area {
		_, n := backend.AreaOffsets(sig.Results)
		size += n
	}
	s.out.OutArgs = max(s.out.OutArgs, size)
	if area {
		p := s.tmp(false)
		s.emit(Instr{Op: OpAdd, Size: 8, Dst: R(p), Src: [3]Operand{R(SP), Imm(int64(8 * nstack))}})
		args = append(args, p)
	}
	for i, r := range args {
		if slots[i] < 0 {
			callArgs = append(callArgs, r)
			continue
		}
		t := ssa.TypeI64
		if i < len(sig.Params) {
			t = sig.Params[i]
		}
		if t == ssa.TypeI32 {
			t = ssa.TypeI64
		}
		s.storeReg(Base(SP, int32(8*slots[i])), t, r)
	}
	if !area {
		return callArgs, rets, func() {}
	}
	for i, r := range rets {
		if regs[i] {
			callRets = append(callRets, r)
		}
	}
	return callArgs, callRets, func() {
		for i, r := range rets {
			if !regs[i] {
				s.loadTyped(r, sig.Results[i], areaSlot(SP, sig.Results, int32(8*nstack), i))
			}
		}
	}
}

// params defines the function's parameters at entry: register ones
// through the params pseudo-instruction, the others loaded from the
// incoming stack arguments.
func (s *isel) params(b *ssa.Block) {
	sig := &s.f.Sig
	_, area := inRegs(sig)
	types := make([]ssa.Type, len(b.Params))
	for k, p := range b.Params {
		types[k] = s.f.Value(p).Type
	}
	slots, _ := argSlots(types, area)
	all := make([]Reg, 0, len(slots))
	for _, p := range b.Params {
		all = append(all, s.vr(p))
	}
	if area {
		s.resPtr = s.tmp(false)
		all = append(all, s.resPtr)
		types = append(types, ssa.TypeI64)
	}
	var regs []Reg
	for i, r := range all {
		if slots[i] < 0 {
			regs = append(regs, r)
		}
	}
	s.emit(Instr{Op: OpParams, Args: regs})
	for i, r := range all {
		if slots[i] >= 0 {
			s.loadTyped(r, types[i], Base(InArgs, int32(8*slots[i])))
		}
	}
}
