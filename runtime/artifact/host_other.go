//go:build !amd64 && !arm64

package artifact

import "os"

// detectHost reports this machine's page size; it runs no artifacts.
func detectHost() Host {
	return Host{Arch: ArchUnknown, PageSize: uint64(os.Getpagesize())}
}
