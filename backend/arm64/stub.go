package arm64

import (
	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/runtime/abi"
)

// EntryStub builds the host entry stub for a signature (docs/abi.md,
// "Entering"): it loads the params from the args buffer, calls the
// function at [x26+entryTarget], stores the results from slot 0 and
// returns.
func EntryStub(name string, sig *ssa.Signature, entryTarget uint32) (*Func, error) {
	f := &Func{Name: name}
	// A stub is a few dozen instructions: a small first chunk.
	s := &isel{out: f, slab: &instrSlab{First: 64}, side: &instrSlab{First: 64}}
	s.blocks = []*Block{{}}
	s.cur = 0
	s.emit(Instr{Op: OpParams})
	p := s.load8(vmctx(abi.VMCtxArgs))
	args := make([]Reg, len(sig.Params))
	for i, t := range sig.Params {
		args[i] = s.tmp(isFloatType(t))
		s.loadTyped(args[i], t, slot(p, i))
	}
	rets := make([]Reg, len(sig.Results))
	for i, t := range sig.Results {
		rets[i] = s.tmp(isFloatType(t))
	}
	callArgs, callRets, after := s.callSeq(sig, args, rets)
	s.emit(Instr{Op: OpCall, Func: -1, Src: [3]Operand{vmctx(entryTarget)}, Args: callArgs, Rets: callRets})
	after()
	if len(rets) > 0 {
		p := s.load8(vmctx(abi.VMCtxArgs))
		for i, t := range sig.Results {
			r := rets[i]
			if t == ssa.TypeI32 {
				// The slot holds the i32 zero-extended, as on amd64.
				z := s.tmp(false)
				s.emit(Instr{Op: OpUxtw, Size: 8, Dst: R(z), Src: [3]Operand{R(r)}})
				r, t = z, ssa.TypeI64
			}
			s.storeReg(slot(p, i), t, r)
		}
	}
	s.emit(Instr{Op: OpRet})
	f.Blocks = s.blocks
	return f, nil
}
