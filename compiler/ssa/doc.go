// Package ssa is wasiaot's target-independent intermediate representation:
// functions in SSA form over basic blocks with block parameters (no phis),
// typed values, and explicit trapping operations. The wasm lowering builds
// it with a Builder, compiler/opt optimises it, and the backends select
// instructions from it.
//
// # Model
//
// A Func owns its values and blocks. Values are numbered densely (ID) and
// stored in chunks that never move, so passes keep side tables in slices
// indexed by ID and may hold *Value pointers. Blocks (BlockID) hold their
// parameters, their instructions in order, and a terminator (Block.Term,
// Block.Controls, Block.Succs). Values flow into a block through its
// parameters: each edge carries one argument per parameter. The entry
// block is Blocks[0]; its parameters are the function's parameters and it
// has no predecessors.
//
// Effectful operations (loads, stores, calls, traps, global and table
// writes) stay in program order within their block; nothing else orders
// them, so a pass may move only pure values (Op.IsPure). Trapping
// operations carry their trap conditions in their own semantics (see the
// comments on the ops) or as explicit trapz/trapnz. Values and block
// terminators record in Pos the wasm byte offset of the instruction they
// come from (the Builder stamps what SetPos set), so that trap sites can
// report it; the text form does not show it.
//
// A call has the callee's result type: void, the single result type, or
// tuple; extract takes the N-th result of a tuple-typed call. Signatures
// used by calls are listed in Func.Sigs and referenced by index.
// Addresses for memory accesses are wasm's: an i32 base zero-extended to
// 64 bits plus the static offset, without wrapping. The type ptr is a
// pointer-sized integer for machine addresses introduced after lowering;
// funcref and externref are pointer-sized references.
//
// # Text form
//
// Func.String prints, and Parse reads, this grammar (';' starts a comment
// that runs to the end of the line):
//
//	func    = "func" NAME sig "{" NL { sigdecl } block { block } "}"
//	sig     = "(" [ type { "," type } ] ")" [ "->" type { "," type } ]
//	sigdecl = "sig" N "=" sig NL
//	block   = "b" N [ "(" param { "," param } ")" ] ":" NL { value } term
//	param   = "v" N ":" type
//	value   = "v" N [ ":" type ] "=" OP { imm } [ arg { "," arg } ] NL
//	term    = "jump" edge
//	        | "brif" arg "," edge "," edge
//	        | "br_table" arg "," "[" [ edge { "," edge } ] "]" "," edge
//	        | "return" [ arg { "," arg } ]
//	        | "trap" TRAPKIND
//	edge    = "b" N [ "(" arg { "," arg } ")" ]
//	arg     = "v" N
//
// NAME is a plain word or a Go-quoted string. A value without ":type" has
// type void. OP is the op's name (wasm's instruction names where they
// exist, such as i32.add or i64.load16_u). The immediates depend on the
// op's AuxKind: an integer for constants; a float for f32/f64 constants in
// shortest round-trip decimal ("1.5", "-0", "+Inf"), or "nan:0xBITS" for
// NaNs; "offset=N align=BYTES [mem=N]" for loads and stores; prefixed
// indices "mN" (memory), "dN" (data segment), "gN" (global), "tN" (table),
// "eN" (element segment), "fN" (function), "sigN" (signature in Func.Sigs),
// "typeN" (wasm type index checked by call_indirect); a trap kind name for
// trapz/trapnz; a number for extract. For example:
//
//	func add3(i32, i32) -> i32 {
//	b0(v0:i32, v1:i32):
//	  v2:i32 = i32.add v0, v1
//	  v3:i32 = i32.const 3
//	  v4:i32 = i32.add v2, v3
//	  v5 = i32.store offset=8 align=4 v0, v4
//	  return v4
//	}
//
// Printing then parsing gives back the same numbering and text.
package ssa
