package arm64

import "github.com/wasiaot/wasiaot/compiler/ssa"

// refuseSIMD rejects a function that has v128 values anywhere (in its
// signature, its blocks' parameters or its instructions): the arm64
// backend has no NEON selection yet, and a v128 must never be moved as a
// 64-bit float.
func refuseSIMD(f *ssa.Func) *Error {
	for _, t := range append(f.Sig.Params[:len(f.Sig.Params):len(f.Sig.Params)], f.Sig.Results...) {
		if t == ssa.TypeV128 {
			return &Error{Msg: "not supported: SIMD on arm64 (a v128 in the signature)"}
		}
	}
	for _, b := range f.Blocks {
		for _, id := range b.Params {
			if f.Value(id).Type == ssa.TypeV128 {
				return &Error{Msg: "not supported: SIMD on arm64 (a v128 block parameter)"}
			}
		}
		for _, id := range b.Instrs {
			v := f.Value(id)
			if v.Type == ssa.TypeV128 || v.Op.IsSIMD() {
				return &Error{Pos: v.Pos, Msg: "not supported: SIMD on arm64 (" + v.Op.String() + ")"}
			}
			if v.Op == ssa.OpCall || v.Op == ssa.OpCallImport || v.Op == ssa.OpCallIndirect {
				for _, a := range v.Args {
					if f.Value(a).Type == ssa.TypeV128 {
						return &Error{Pos: v.Pos, Msg: "not supported: SIMD on arm64 (a v128 argument)"}
					}
				}
			}
		}
	}
	return nil
}
