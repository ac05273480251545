//go:build !amd64 && !arm64

package abi

func savedFields(v *VMContext) []fieldOffset { return nil }
