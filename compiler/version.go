// Package compiler is wasiaot's library entry point for turning WebAssembly into native code.
package compiler

// Version is the compiler's version. Artifacts record it, and `wasiaot version` prints it.
const Version = "0.1.0-dev"
