package wasm

import "strings"

// Features selects which post-1.0 proposals the decoder and validator accept.
type Features uint64

const (
	FeatureMutableGlobal  Features = 1 << iota // import/export of mutable globals
	FeatureSignExt                             // i32.extend8_s ...
	FeatureSatConv                             // nontrapping float-to-int (0xFC 0..7)
	FeatureMultiValue                          // multiple results, block type indices
	FeatureBulkMemory                          // memory.copy, passive segments, data count
	FeatureReferenceTypes                      // funcref/externref values, multiple tables
	FeatureSIMD                                // 128-bit vectors (0xFD)
	FeatureTailCall                            // return_call, return_call_indirect
	FeatureExtendedConst                       // i32/i64 add/sub/mul in constant expressions
)

// FeaturesV1 is WebAssembly 1.0 as tested by the v1 spec suite.
const FeaturesV1 = FeatureMutableGlobal

// FeaturesV2 is WebAssembly 2.0, the default.
const FeaturesV2 = FeatureMutableGlobal | FeatureSignExt | FeatureSatConv | FeatureMultiValue |
	FeatureBulkMemory | FeatureReferenceTypes | FeatureSIMD

var featureNames = [...]string{
	"mutable-global", "sign-ext", "sat-conv", "multi-value", "bulk-memory",
	"reference-types", "simd", "tail-call", "extended-const",
}

// Has reports whether every feature in g is enabled in f.
func (f Features) Has(g Features) bool { return f&g == g }

func (f Features) String() string {
	var parts []string
	for i, name := range featureNames {
		if f&(1<<i) != 0 {
			parts = append(parts, name)
			f &^= 1 << i
		}
	}
	if f != 0 {
		parts = append(parts, "unknown")
	}
	return strings.Join(parts, "|")
}
