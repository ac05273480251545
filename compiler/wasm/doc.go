// Package wasm decodes the WebAssembly binary format.
//
// Decode turns a module's bytes into a Module without interpreting function
// bodies: bodies, constant expressions, data and custom sections stay byte
// ranges of the original bytes (Module.Raw). Reader is the single
// instruction decoder; every operator is described by one line of the
// opcode table (see Opcodes and Opcode.Info), including the 0xFC and 0xFD
// prefixed operators and the tail-call proposal.
//
// Decoding never panics on bad input: errors are *Error values that locate
// the problem by section, function and byte offset, using the wording of
// the specification's test suite where it checks text.
package wasm
