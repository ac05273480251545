package abi

import "unsafe"

func savedFields(v *VMContext) []fieldOffset {
	return []fieldOffset{
		{"SavedRBX", unsafe.Offsetof(v.SavedRBX), AMD64VMCtxSavedRBX},
		{"SavedRBP", unsafe.Offsetof(v.SavedRBP), AMD64VMCtxSavedRBP},
		{"SavedR12", unsafe.Offsetof(v.SavedR12), AMD64VMCtxSavedR12},
		{"SavedR13", unsafe.Offsetof(v.SavedR13), AMD64VMCtxSavedR13},
		{"SavedR14", unsafe.Offsetof(v.SavedR14), AMD64VMCtxSavedR14},
	}
}
