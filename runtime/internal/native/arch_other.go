//go:build !amd64 && !arm64

package native

// Native execution is amd64-only for now; the arm64 trampoline, stubs and
// fault handler come with the arm64 backend. Code can still be mapped (and
// artifacts inspected), but NewContext returns ErrUnsupportedArch.
const archSupported = false

var stubCode []byte

const (
	stubHostCall   = 0
	stubPreempt    = 0
	stubTrap       = 0
	stubFault      = 0
	preemptSavedPC = 0
	asyncPushed    = 0
)

func enter(vmctx, pc uintptr) { panic(ErrUnsupportedArch) }
func resume(vmctx uintptr)    { panic(ErrUnsupportedArch) }
func currentG() uintptr       { return 0 }

func installFaultHandler() error { return nil }

// flushICache is not needed while nothing executes the code; the arm64
// port must flush here after writing instructions.
func flushICache([]byte) {}

func (c *Context) trapRegs() (sp, lr uintptr) { return 0, 0 }
func (c *Context) parkedLR() uintptr          { return 0 }
