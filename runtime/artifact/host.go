package artifact

import "sync"

// DetectHost reports this machine's arch, CPU features and page size. They
// do not change while the process runs, so they are found once: CPUID traps
// to the hypervisor on virtual machines and costs microseconds.
func DetectHost() Host { return hostOnce() }

var hostOnce = sync.OnceValue(detectHost)
