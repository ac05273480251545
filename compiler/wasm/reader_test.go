package wasm

import (
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

const allFeatures = FeaturesV2 | FeatureTailCall | FeatureExtendedConst

// encodeOp encodes info's opcode followed by sample immediates.
func encodeOp(info *OpInfo) []byte {
	var b []byte
	if p := info.Op >> 16; p != 0 {
		sub := uint32(info.Op & 0xFFFF)
		b = append(b, byte(p))
		for sub >= 0x80 {
			b = append(b, byte(sub)|0x80)
			sub >>= 7
		}
		b = append(b, byte(sub))
	} else {
		b = append(b, byte(info.Op))
	}
	switch info.Imm {
	case ImmBlock:
		b = append(b, 0x40)
	case ImmLabel, ImmFunc, ImmLocal, ImmGlobal, ImmTable, ImmData, ImmElem:
		b = append(b, 0xAC, 0x02) // 300
	case ImmBrTable:
		b = append(b, 2, 1, 2, 3)
	case ImmCallIndirect:
		b = append(b, 5, 1)
	case ImmMemArg:
		b = append(b, 2, 0x80, 0x80, 0x04)
	case ImmMemArgLane:
		b = append(b, 0, 8, 1)
	case ImmMemory, ImmMemFill:
		b = append(b, 0)
	case ImmMemInit:
		b = append(b, 7, 0)
	case ImmMemCopy:
		b = append(b, 0, 0)
	case ImmTableInit, ImmTableCopy:
		b = append(b, 3, 4)
	case ImmI32:
		b = append(b, 0x7f)
	case ImmI64:
		b = append(b, 0x7e)
	case ImmF32:
		b = append(b, 0, 0, 0x80, 0x3f)
	case ImmF64:
		b = append(b, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f)
	case ImmSelect:
		b = append(b, 1, byte(I32))
	case ImmRefType:
		b = append(b, byte(ExternRef))
	case ImmV128, ImmShuffle:
		for i := 0; i < 16; i++ {
			b = append(b, byte(i))
		}
	case ImmLane:
		b = append(b, 1)
	}
	return b
}

func TestEveryOpcodeDecodesToItsInfo(t *testing.T) {
	var r Reader
	var ins Instr
	seen := map[Opcode]bool{}
	for i := range Opcodes() {
		info := &Opcodes()[i]
		require.False(t, seen[info.Op], "duplicate opcode %s", info.Name)
		seen[info.Op] = true
		require.Same(t, info, info.Op.Info())
		require.Equal(t, info.Name, info.Op.String())

		code := encodeOp(info)
		r.Reset(code, 1000, allFeatures)
		require.NoError(t, r.Next(&ins), info.Name)
		require.Equal(t, info.Op, ins.Op, info.Name)
		require.Same(t, info, ins.Info)
		require.Equal(t, 1000, ins.Offset)
		require.ErrorIs(t, r.Next(&ins), io.EOF, "%s left bytes unread", info.Name)

		switch info.Imm {
		case ImmLabel, ImmFunc, ImmLocal, ImmGlobal, ImmTable, ImmData, ImmElem:
			require.Equal(t, uint32(300), ins.Index, info.Name)
		case ImmBrTable:
			require.Equal(t, []uint32{1, 2, 3}, ins.Labels)
		case ImmCallIndirect:
			require.Equal(t, [2]uint32{5, 1}, [2]uint32{ins.Index, ins.Index2})
		case ImmMemArg:
			require.Equal(t, MemArg{Align: 2, Offset: 0x10000}, ins.Mem, info.Name)
		case ImmMemArgLane:
			require.Equal(t, MemArg{Align: 0, Offset: 8}, ins.Mem, info.Name)
			require.Equal(t, byte(1), ins.Lane)
		case ImmI32:
			require.Equal(t, int32(-1), ins.I32)
		case ImmI64:
			require.Equal(t, int64(-2), ins.I64)
		case ImmF32:
			require.Equal(t, uint32(0x3f800000), ins.F32)
		case ImmF64:
			require.Equal(t, uint64(0x3ff0000000000000), ins.F64)
		case ImmSelect:
			require.Equal(t, []ValType{I32}, ins.Types)
		case ImmRefType:
			require.Equal(t, ExternRef, ins.RefType)
		case ImmTableInit, ImmTableCopy:
			require.Equal(t, [2]uint32{3, 4}, [2]uint32{ins.Index, ins.Index2})
		case ImmMemInit:
			require.Equal(t, uint32(7), ins.Index)
		case ImmV128, ImmShuffle:
			require.Equal(t, byte(15), ins.V128[15])
		case ImmBlock:
			require.True(t, ins.BlockType.IsEmpty())
		}

		// Operators of later proposals are illegal without their feature.
		if info.Feature != 0 {
			r.Reset(code, 0, allFeatures&^info.Feature)
			err := r.Next(&ins)
			require.Error(t, err, info.Name)
			require.Contains(t, err.Error(), "illegal opcode")
		}
	}
	simd := 0
	for op := range seen {
		if op>>16 == 0xFD {
			simd++
		}
	}
	require.Equal(t, 236, simd, "the SIMD proposal has 236 operators")
	require.Len(t, seen, 203+236)
}

func TestOpcodeNumbering(t *testing.T) {
	require.Equal(t, Opcode(0x6A), OpI32Add)
	require.Equal(t, Opcode(0xFC<<16|0), OpI32TruncSatF32S)
	require.Equal(t, Opcode(0xFC<<16|17), OpTableFill)
	require.Equal(t, Opcode(0xFD<<16|0), OpV128Load)
	require.Equal(t, Opcode(0xFD<<16|0x0D), OpI8x16Shuffle)
	require.Equal(t, Opcode(0xFD<<16|0xE4), OpF32x4Add)
	require.Equal(t, Opcode(0xFD<<16|0xFF), OpF64x2ConvertLowI32x4U)
	require.Equal(t, Opcode(0x13), OpReturnCallIndirect)
	require.Equal(t, "i32.add", OpI32Add.String())
	require.Equal(t, "<unknown 0xfd 154>", Opcode(0xFD<<16|154).String())
	require.Nil(t, Opcode(0x06).Info())
}

func TestReaderErrors(t *testing.T) {
	tests := []struct {
		name string
		f    Features
		code []byte
		want string
	}{
		{"illegal opcode", FeaturesV2, []byte{0x06}, "offset 0x10: illegal opcode 0x6"},
		{"illegal simd opcode", FeaturesV2, []byte{0xFD, 0x9A, 0x01}, "offset 0x10: illegal opcode 0xfd 154"},
		{"call_indirect reserved byte", FeaturesV1, []byte{0x11, 0x00, 0x01}, "offset 0x12: zero byte expected"},
		{"memory.grow reserved byte", FeaturesV2, []byte{0x40, 0x01}, "offset 0x11: zero byte expected"},
		{"memory.size overlong zero", FeaturesV2, []byte{0x3F, 0x80, 0x00}, "offset 0x11: zero byte expected"},
		{"bad block type", FeaturesV2, []byte{0x02, 0x60}, "offset 0x11: malformed block type"},
		{"type index block needs multi-value", FeaturesV1, []byte{0x02, 0x00}, "offset 0x11: malformed block type"},
		{"truncated i64.const", FeaturesV2, []byte{0x42, 0x80}, "offset 0x12: unexpected end"},
		{"memop flags", FeaturesV2, []byte{0x28, 0x40, 0x00}, "offset 0x10: malformed memop flags"},
		{"bad ref type", FeaturesV2, []byte{0xD0, 0x7F}, "offset 0x11: malformed reference type"},
		{"sign-ext in v1", FeaturesV1, []byte{0xC0}, "offset 0x10: illegal opcode i32.extend8_s (feature sign-ext not enabled)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ins Instr
			err := NewReader(tc.code, 0x10, tc.f).Next(&ins)
			require.EqualError(t, err, tc.want)
		})
	}
}

func TestFeaturesString(t *testing.T) {
	require.Equal(t, "mutable-global", FeaturesV1.String())
	require.Equal(t, "mutable-global|sign-ext|sat-conv|multi-value|bulk-memory|reference-types|simd", FeaturesV2.String())
	require.Equal(t, "tail-call|extended-const", (FeatureTailCall | FeatureExtendedConst).String())
	require.True(t, FeaturesV2.Has(FeatureSIMD|FeatureBulkMemory))
	require.False(t, FeaturesV1.Has(FeatureSIMD))
}
