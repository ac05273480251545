// Package native runs machine code produced by the wasiaot backend inside a
// pure-Go (CGO_ENABLED=0) process: the executable code arena, vmctx
// allocation, native stacks, the entry trampoline, host-call exits and
// re-entry, traps (explicit and from SIGSEGV/SIGBUS), linear memory with
// guard pages, and cooperative preemption. The contract generated code must
// follow is in runtime/abi and docs/abi.md.
//
// amd64 Linux is implemented; on other architectures everything that would
// run native code returns ErrUnsupportedArch.
package native
