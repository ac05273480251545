package wasm

import (
	"bufio"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

type decodeCase struct {
	name, want string
	f          Features
	bin        []byte
}

// readCases parses testdata/decode_errors.txt.
func readCases(t *testing.T, path string) []decodeCase {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var cases []decodeCase
	var cur *decodeCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		require.True(t, ok, "bad line %q", line)
		val = strings.TrimSpace(val)
		switch key {
		case "case":
			cases = append(cases, decodeCase{name: val, f: FeaturesV2})
			cur = &cases[len(cases)-1]
		case "features":
			require.Equal(t, "v1", val)
			cur.f = FeaturesV1
		case "hex":
			b, err := hex.DecodeString(strings.ReplaceAll(val, " ", ""))
			require.NoError(t, err, line)
			cur.bin = append(cur.bin, b...)
		case "error":
			cur.want = val
		default:
			t.Fatalf("bad key %q", key)
		}
	}
	require.NoError(t, sc.Err())
	return cases
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range readCases(t, "testdata/decode_errors.txt") {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Decode(tc.bin, tc.f)
			require.Nil(t, m)
			require.EqualError(t, err, tc.want)
			var e *Error
			require.ErrorAs(t, err, &e)
			require.LessOrEqual(t, e.Offset, len(tc.bin))
		})
	}
}

// Helpers that assemble modules for tests.
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

func TestDecodeModule(t *testing.T) {
	nameSec := section(0, str("name"),
		section(0, str("mod")),
		section(1, []byte{2}, leb(0), str("imported"), leb(1), str("add")),
		section(2, []byte{1}, leb(1), []byte{1}, leb(0), str("x")))
	bin := module(
		section(1, []byte{1, 0x60, 2, 0x7f, 0x7f, 1, 0x7f}),
		section(2, []byte{2}, str("env"), str("f"), []byte{0, 0}, str("env"), str("mem"), []byte{2, 1, 1, 2}),
		section(3, []byte{1, 0}),
		section(4, []byte{1, 0x70, 0, 1}),
		section(6, []byte{1, 0x7f, 1, 0x41, 0x2a, 0x0b}),
		section(7, []byte{1}, str("add"), []byte{0, 1}),
		section(9, []byte{1, 0, 0x41, 0, 0x0b, 1, 1}),
		section(12, []byte{1}),
		section(10, []byte{1, 9, 1, 1, 0x7e, 0x20, 0, 0x20, 1, 0x6a, 0x0b}),
		section(11, []byte{1, 1, 3, 'a', 'b', 'c'}),
		nameSec,
		section(0, str("extra"), []byte{1, 2, 3}),
	)
	m, err := Decode(bin, FeaturesV2)
	require.NoError(t, err)
	require.Empty(t, m.Warnings)
	require.Len(t, m.Types, 1)
	require.Equal(t, "[i32 i32] -> [i32]", m.Types[0].String())
	require.Equal(t, 1, m.NumImportedFuncs())
	require.Equal(t, 1, m.NumImportedMemories())
	require.Equal(t, 2, m.NumFuncs())
	mt, ok := m.MemoryType(0)
	require.True(t, ok)
	require.Equal(t, Limits{Min: 1, Max: 2, HasMax: true}, mt.Limits)
	ft, ok := m.FuncType(1)
	require.True(t, ok)
	require.Equal(t, []ValType{I32}, ft.Results)
	_, ok = m.FuncType(2)
	require.False(t, ok)
	require.Equal(t, []Export{{Name: "add", Kind: ExternFunc, Index: 1, Offset: m.Exports[0].Offset}}, m.Exports)
	require.Len(t, m.Elements, 1)
	require.Equal(t, []uint32{1}, m.Elements[0].FuncIndices)
	require.True(t, m.HasDataCount)
	require.Equal(t, uint32(1), m.DataCount)
	require.Len(t, m.Code, 1)
	code := m.Code[0]
	require.Equal(t, []LocalGroup{{Count: 1, Type: I64}}, code.Locals)
	require.Equal(t, []byte{0x20, 0, 0x20, 1, 0x6a, 0x0b}, code.Body)
	require.Equal(t, code.Body, m.Raw[code.Start:code.End])
	require.Equal(t, SegmentPassive, m.Data[0].Mode)
	require.Equal(t, []byte("abc"), m.Data[0].Init)
	require.Equal(t, []byte("abc"), m.Raw[m.Data[0].InitOffset:m.Data[0].InitOffset+3])
	require.Equal(t, "mod", m.Names.Module)
	require.Equal(t, "add", m.FuncName(1))
	require.Equal(t, "imported", m.FuncName(0))
	require.Equal(t, "x", m.Names.Locals[1][0])
	require.Len(t, m.Customs, 2)
	require.Equal(t, "extra", m.Customs[1].Name)
	require.Equal(t, []byte{1, 2, 3}, m.Customs[1].Payload)
	require.Equal(t, []byte{0x41, 0x2a, 0x0b}, m.Globals[0].Init.Bytes)
	require.Equal(t, m.Globals[0].Init.Bytes, m.Raw[m.Globals[0].Init.Offset:m.Globals[0].Init.Offset+3])

	// Walking the body with the operator reader.
	r := NewReader(code.Body, code.Start, FeaturesV2)
	var ops []string
	var ins Instr
	for r.Next(&ins) == nil {
		ops = append(ops, ins.Op.String())
	}
	require.Equal(t, []string{"local.get", "local.get", "i32.add", "end"}, ops)
}

func TestMalformedNameSectionIsAWarning(t *testing.T) {
	bin := module(section(0, str("name"), section(1, []byte{5}, leb(0))))
	m, err := Decode(bin, FeaturesV2)
	require.NoError(t, err)
	require.Len(t, m.Warnings, 1)
	require.Contains(t, m.Warnings[0], "name section")
	require.Equal(t, "", m.FuncName(0))
}

func TestErrorString(t *testing.T) {
	e := &Error{Section: "code", FuncIndex: 12, Offset: 0x1a3, Msg: "type mismatch: expected i32, got f64"}
	require.Equal(t, "code section, function 12, offset 0x1a3: type mismatch: expected i32, got f64", e.Error())
	e = &Error{FuncIndex: -1, Offset: 0, Msg: "magic header not detected"}
	require.Equal(t, "offset 0x0: magic header not detected", e.Error())
}

func TestTruncatedModulesFailCleanly(t *testing.T) {
	sections := [][]byte{
		section(1, []byte{1, 0x60, 1, 0x7f, 1, 0x7f}),
		section(6, []byte{1, 0x7f, 1, 0x41, 0x2a, 0x0b}),
		section(0, str("name"), section(1, []byte{1}, leb(0), str("f"))),
	}
	bin := module(sections...)
	_, err := Decode(bin, FeaturesV2)
	require.NoError(t, err)
	// Cutting between sections leaves a valid module; anywhere else must fail.
	boundary := map[int]bool{8: true}
	n := 8
	for _, s := range sections {
		n += len(s)
		boundary[n] = true
	}
	for n := 0; n < len(bin); n++ {
		_, err := Decode(bin[:n], FeaturesV2)
		if boundary[n] {
			require.NoError(t, err)
			continue
		}
		require.Error(t, err, "prefix of %d bytes", n)
		var e *Error
		require.ErrorAs(t, err, &e)
		require.LessOrEqual(t, e.Offset, n)
	}
}
