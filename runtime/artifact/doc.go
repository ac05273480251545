// Package artifact defines wasiaot's compiled artifact: an ELF64 ET_DYN file
// holding machine code (.text), constants and data segments (.rodata), a
// metadata section (.wasiaot) describing the wasm module and the code layout,
// symbols for tools such as perf, SHA-256 digests of every byte
// (.wasiaot.digest), and an optional ed25519 signature over them.
//
// Write and Marshal produce the file; equal input gives equal bytes. Parse
// and ParseReaderAt read it as untrusted input: they check the digests
// before they decode anything else, every error is an *Error wrapping one of
// the Err* kinds, and nothing is allocated in proportion to a
// length field the file merely claims. Verify then checks that the host can
// run the code (arch, CPU features, page size, ABI version); DetectHost
// describes this machine. Sign, SignBytes, Artifact.SignedBy and
// VerifySignature handle signatures; KeyID names a key.
//
// The byte-level format is documented in docs/artifact.md.
package artifact
