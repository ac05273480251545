package native

// sigHandler is the SIGSEGV/SIGBUS handler (signal_arm64.s). It runs with
// the C calling convention on the signal stack; x28 is whatever the
// interrupted code had (Go's g, in Go code and in wasm code alike).
func sigHandler()

// sigHandlerPC returns the ABI0 address of sigHandler.
func sigHandlerPC() uintptr

// goSigFlags are flags Go's handlers have on arm64. Go sets no
// SA_RESTORER there: the kernel returns through the vDSO's sigreturn.
const goSigFlags = saSiginfo

// installFaultHandler puts sigHandler in front of Go's handler for SIGSEGV
// and SIGBUS. Called once, with the arena bounds already set.
func installFaultHandler() error { return installSignalHandler(sigHandlerPC(), goSigFlags) }
