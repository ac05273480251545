package native

// sigHandler is the SIGSEGV/SIGBUS handler (signal_amd64.s). It runs with
// the C calling convention on the signal stack, without a g.
func sigHandler()

// sigHandlerPC returns the ABI0 address of sigHandler.
func sigHandlerPC() uintptr

// goSigFlags are flags Go's handlers have on amd64: Go returns through its
// own restorer.
const goSigFlags = saSiginfo | saRestorer

// installFaultHandler puts sigHandler in front of Go's handler for SIGSEGV
// and SIGBUS. Called once, with the arena bounds already set.
func installFaultHandler() error { return installSignalHandler(sigHandlerPC(), goSigFlags) }
