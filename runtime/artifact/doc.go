// Package artifact defines wasiaot's compiled artifact: an ELF64 ET_DYN file
// holding machine code (.text), constants and data segments (.rodata), a
// metadata section (.wasiaot) describing the wasm module and the code layout,
// symbols for tools such as perf, and an optional ed25519 signature.
//
// Write and Marshal produce the file; equal input gives equal bytes. Parse
// and ParseReaderAt read it as untrusted input: every error is an *Error
// wrapping one of the Err* kinds, and nothing is allocated in proportion to a
// length field the file merely claims. Verify then checks that the host can
// run the code (arch, CPU features, page size, ABI version); DetectHost
// describes this machine. Sign and VerifySignature handle signatures.
//
// The byte-level format is documented in docs/artifact.md.
package artifact
