package abi

import "unsafe"

func savedFields(v *VMContext) []fieldOffset {
	return []fieldOffset{
		{"SavedX", unsafe.Offsetof(v.SavedX), ARM64VMCtxSavedX19},
		{"SavedFP", unsafe.Offsetof(v.SavedFP), ARM64VMCtxSavedFP},
		{"SavedLR", unsafe.Offsetof(v.SavedLR), ARM64VMCtxSavedLR},
		{"SavedD", unsafe.Offsetof(v.SavedD), ARM64VMCtxSavedD8},
	}
}
