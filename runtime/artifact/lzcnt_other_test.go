//go:build !amd64

package artifact

func lzcntWorks() bool { return false }
