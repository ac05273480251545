package validate

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/compiler/wasm"
)

func leb(v uint32) []byte {
	var b []byte
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func section(id byte, content ...[]byte) []byte {
	var body []byte
	for _, c := range content {
		body = append(body, c...)
	}
	return append(append([]byte{id}, leb(uint32(len(body)))...), body...)
}

func str(s string) []byte { return append(leb(uint32(len(s))), s...) }

func module(sections ...[]byte) []byte {
	b := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
	for _, s := range sections {
		b = append(b, s...)
	}
	return b
}

// funcModule builds a module with one memory, one immutable i32 global, one
// table, one passive data segment and one function of type [i32] -> [i32]
// whose body (after the locals) is body.
func funcModule(body []byte) []byte {
	code := append([]byte{1, 1, 0x7f}, body...) // one local i32
	return module(
		section(1, []byte{2, 0x60, 1, 0x7f, 1, 0x7f, 0x60, 0, 0}),
		section(3, []byte{2, 0, 1}),
		section(4, []byte{1, 0x70, 0, 1}),
		section(5, []byte{1, 0, 1}),
		section(6, []byte{1, 0x7f, 0, 0x41, 0, 0x0b}),
		section(12, []byte{1}),
		section(10, []byte{2}, leb(uint32(len(code))), code, []byte{2, 0, 0x0b}),
		section(11, []byte{1, 1, 0}),
	)
}

func TestFunctionBodies(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		off  int // offset of the failing instruction within body, -1 if valid
		msg  string
	}{
		{"identity", []byte{0x20, 0, 0x0b}, -1, ""},
		{"add", []byte{0x20, 0, 0x41, 1, 0x6a, 0x0b}, -1, ""},
		{"polymorphic after unreachable", []byte{0x00, 0x6a, 0x0b}, -1, ""},
		{"br to function label", []byte{0x41, 0, 0x0c, 0, 0x0b}, -1, ""},
		{"br_table", []byte{0x02, 0x7f, 0x41, 1, 0x20, 0, 0x0e, 1, 0, 1, 0x0b, 0x0b}, -1, ""},
		{"loop with params", []byte{0x20, 0, 0x03, 0x00, 0x1a, 0x41, 0, 0x0b, 0x0b}, -1, ""},
		{"loop param missing", []byte{0x03, 0x00, 0x0b, 0x0b}, 0, "type mismatch: loop expects an operand but the stack is empty"},
		{"wrong result", []byte{0x43, 0, 0, 0, 0, 0x0b}, 5, "type mismatch: end expects i32, got f32"},
		{"operand type", []byte{0x20, 0, 0x44, 0, 0, 0, 0, 0, 0, 0, 0, 0x6a, 0x0b}, 11, "type mismatch: i32.add expects i32, got f64"},
		{"extra value", []byte{0x20, 0, 0x20, 0, 0x0b}, 4, "type mismatch: 1 values remain at the end of the block"},
		{"unknown local", []byte{0x20, 2, 0x0b}, 0, "unknown local 2"},
		{"unknown label", []byte{0x0c, 1, 0x0b}, 0, "unknown label 1"},
		{"immutable global", []byte{0x20, 0, 0x24, 0, 0x20, 0, 0x0b}, 2, "global is immutable"},
		{"unknown function", []byte{0x10, 7, 0x0b}, 0, "unknown function 7"},
		{"undeclared ref.func", []byte{0xd2, 1, 0x1a, 0x20, 0, 0x0b}, 0, "undeclared function reference 1"},
		{"unknown data", []byte{0xfc, 9, 1, 0x20, 0, 0x0b}, 0, "unknown data segment 1"},
		{"alignment", []byte{0x20, 0, 0x28, 3, 0, 0x0b}, 2, "alignment must not be larger than natural"},
		{"lane index", []byte{0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfd, 0x1b, 4, 0x0b}, 18, "invalid lane index 4"},
		{"shuffle lane", []byte{0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0xfd, 0x11,
			0xfd, 0x0d, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 32, 0xfd, 0x1b, 0, 0x0b}, 22, "invalid lane index 32"},
		{"if without else changes types", []byte{0x20, 0, 0x04, 0x7f, 0x41, 1, 0x0b, 0x0b}, 6, "type mismatch: if without else must leave its parameters unchanged"},
		{"select of references", []byte{0xd0, 0x70, 0xd0, 0x70, 0x20, 0, 0x1b, 0x1a, 0x20, 0, 0x0b}, 6, "type mismatch: select without a type needs numeric or vector operands"},
		{"br_table arity", []byte{0x02, 0x40, 0x20, 0, 0x20, 0, 0x0e, 1, 0, 1, 0x0b, 0x20, 0, 0x0b}, 6, "type mismatch: br_table targets have different arities"},
		{"else without if", []byte{0x05, 0x0b}, 0, "else without matching if"},
		{"missing end", []byte{0x20, 0}, 2, "unexpected end of section or function"},
		{"code after end", []byte{0x20, 0, 0x0b, 0x01}, 3, "section size mismatch: operators after the end of the function"},
		{"table.get type", []byte{0x41, 0, 0x25, 0, 0x0b}, 4, "type mismatch: end expects i32, got funcref"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := wasm.Decode(funcModule(tc.body), wasm.FeaturesV2)
			require.NoError(t, err)
			err = Validate(m, wasm.FeaturesV2)
			if tc.off < 0 {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			e, ok := err.(*wasm.Error)
			require.True(t, ok)
			require.Equal(t, tc.msg, e.Msg)
			require.Equal(t, "code", e.Section)
			require.Equal(t, 0, e.FuncIndex)
			require.Equal(t, m.Code[0].Start+tc.off, e.Offset)
		})
	}
}

func TestModuleRules(t *testing.T) {
	emptyFunc := section(10, []byte{1, 2, 0, 0x0b})
	tests := []struct {
		name string
		f    wasm.Features
		bin  []byte
		want string
	}{
		{"multiple memories", wasm.FeaturesV2, module(section(5, []byte{2, 0, 1, 0, 1})),
			"memory section, offset 0x8: multiple memories"},
		{"memory too large", wasm.FeaturesV2, module(section(5, []byte{1, 0, 0x81, 0x80, 0x04})),
			"memory section, offset 0x8: memory size must be at most 65536 pages (4GiB)"},
		{"min above max", wasm.FeaturesV2, module(section(4, []byte{1, 0x70, 1, 2, 1})),
			"table section, offset 0x8: size minimum must not be greater than maximum"},
		{"multiple tables in v1", wasm.FeaturesV1, module(section(4, []byte{2, 0x70, 0, 0, 0x70, 0, 0})),
			"table section, offset 0x8: multiple tables"},
		{"start function type", wasm.FeaturesV2, module(section(1, []byte{1, 0x60, 1, 0x7f, 0}), section(3, []byte{1, 0}),
			section(8, []byte{0}), section(10, []byte{1, 2, 0, 0x0b})),
			"start section, offset 0x13: start function must have type [] -> [], has [i32] -> []"},
		{"duplicate export", wasm.FeaturesV2, module(section(1, []byte{1, 0x60, 0, 0}), section(3, []byte{1, 0}),
			section(7, []byte{2}, str("a"), []byte{0, 0}, str("a"), []byte{0, 0}), emptyFunc),
			"export section, offset 0x19: duplicate export name \"a\""},
		{"global.get of a defined global", wasm.FeaturesV2, module(section(6, []byte{2, 0x7f, 0, 0x41, 0, 0x0b, 0x7f, 0, 0x23, 0, 0x0b})),
			"global section, offset 0x12: unknown global 0"},
		{"extended const disabled", wasm.FeaturesV2, module(section(6, []byte{1, 0x7f, 0, 0x41, 1, 0x41, 2, 0x6a, 0x0b})),
			"global section, offset 0x11: constant expression required: i32.add"},
		{"global init type", wasm.FeaturesV2, module(section(6, []byte{1, 0x7e, 0, 0x41, 1, 0x0b})),
			"global section, offset 0xf: type mismatch: constant expression must produce i64"},
		{"elem type vs table", wasm.FeaturesV2, module(section(4, []byte{1, 0x6f, 0, 0}), section(9, []byte{1, 0, 0x41, 0, 0x0b, 0})),
			"element section, offset 0x11: type mismatch: element segment of funcref for table of externref"},
		{"multi-value in v1", wasm.FeaturesV1, module(section(1, []byte{1, 0x60, 0, 2, 0x7f, 0x7f})),
			"type section, offset 0x8: invalid result arity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := wasm.Decode(tc.bin, tc.f)
			require.NoError(t, err)
			require.EqualError(t, Validate(m, tc.f), tc.want)
		})
	}

	// The same constant expression is fine with extended-const.
	bin := module(section(6, []byte{1, 0x7f, 0, 0x41, 1, 0x41, 2, 0x6a, 0x0b}))
	m, err := wasm.Decode(bin, wasm.FeaturesV2|wasm.FeatureExtendedConst)
	require.NoError(t, err)
	require.NoError(t, Validate(m, wasm.FeaturesV2|wasm.FeatureExtendedConst))
}

func TestValidateInfo(t *testing.T) {
	body := []byte{0x20, 0, 0x02, 0x7f, 0x20, 0, 0x20, 0, 0x6a, 0x0b, 0x6a, 0x0b}
	m, err := wasm.Decode(funcModule(body), wasm.FeaturesV2)
	require.NoError(t, err)
	info, err := ValidateInfo(m, wasm.FeaturesV2)
	require.NoError(t, err)
	require.Len(t, info.Funcs, 2)
	require.Equal(t, FuncInfo{MaxStack: 3, MaxControl: 2}, info.Funcs[0])
	require.Equal(t, FuncInfo{MaxStack: 0, MaxControl: 1}, info.Funcs[1])

	body = []byte{0x20, 0, 0x28, 2, 0, 0x0b}
	m, err = wasm.Decode(funcModule(body), wasm.FeaturesV2)
	require.NoError(t, err)
	info, err = ValidateInfo(m, wasm.FeaturesV2)
	require.NoError(t, err)
	require.True(t, info.Funcs[0].UsesMemory)
	require.False(t, info.Funcs[0].UsesTables)
}
