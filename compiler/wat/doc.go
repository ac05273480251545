// Package wat parses the WebAssembly text format (WebAssembly 2.0 plus the
// tail-call and extended-const proposals) into binary modules.
//
// Parsing goes lexer (tokens) → s-expression tree → module fields. A first
// pass binds every identifier and reads the explicit types, so references
// may point forward; a second pass encodes the fields in text order,
// appending implicitly used function types after the explicit ones as the
// specification requires. Integers use their shortest LEB128 encoding and
// sections appear in the standard order, empty ones left out.
//
// Modules written in text get the name section wast2json writes (module,
// function and local names, then type, table, memory, global, element and
// data names), so the output is byte for byte what the spec suite's
// wast2json produced. (module binary ...) yields its bytes unchanged.
//
// Errors are *Error values with the line and column of the offending token
// and the wording of the reference interpreter where the spec suite checks
// it ("unknown operator", "unexpected token", "constant out of range", ...).
package wat
