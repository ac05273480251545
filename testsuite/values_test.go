package testsuite

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func val(t *testing.T, js string) Value {
	t.Helper()
	var v Value
	require.NoError(t, json.Unmarshal([]byte(js), &v))
	return v
}

func TestParseScalars(t *testing.T) {
	cases := []struct {
		js   string
		want uint64
	}{
		{`{"type":"i32","value":"4294967295"}`, 0xffff_ffff},
		{`{"type":"i32","value":"-1"}`, 0xffff_ffff},
		{`{"type":"i64","value":"18446744073709551615"}`, 0xffff_ffff_ffff_ffff},
		{`{"type":"i64","value":"-9223372036854775808"}`, 0x8000_0000_0000_0000},
		{`{"type":"f32","value":"2143289344"}`, 0x7fc0_0000},
		{`{"type":"f64","value":"9221120237041090560"}`, 0x7ff8_0000_0000_0000},
		{`{"type":"externref","value":"7"}`, 7},
	}
	for _, c := range cases {
		b, err := ParseArg(val(t, c.js))
		require.NoError(t, err, c.js)
		assert.Equal(t, c.want, b.Lo, c.js)
	}
	_, err := ParseArg(val(t, `{"type":"f32","value":"nan:canonical"}`))
	assert.ErrorContains(t, err, "cannot be a NaN pattern")
	_, err = ParseArg(val(t, `{"type":"i32","value":"4294967296"}`))
	assert.Error(t, err)
	_, err = ParseArg(val(t, `{"type":"exnref","value":"1"}`))
	assert.ErrorContains(t, err, "not supported")
}

func TestMatchNaN(t *testing.T) {
	canon := mustPattern(t, `{"type":"f32","value":"nan:canonical"}`)
	arith := mustPattern(t, `{"type":"f32","value":"nan:arithmetic"}`)
	for _, c := range []struct {
		bits         uint64
		canon, arith bool
	}{
		{0x7fc0_0000, true, true},   // canonical
		{0xffc0_0000, true, true},   // negative canonical
		{0x7fc0_0001, false, true},  // quiet, non-canonical payload
		{0x7f80_0001, false, false}, // signalling
		{0x7f80_0000, false, false}, // infinity
		{0x3f80_0000, false, false}, // 1.0
	} {
		ok, _ := canon.Match(Bits{Lo: c.bits})
		assert.Equal(t, c.canon, ok, "canonical %#x", c.bits)
		ok, _ = arith.Match(Bits{Lo: c.bits})
		assert.Equal(t, c.arith, ok, "arithmetic %#x", c.bits)
	}
	exact := mustPattern(t, `{"type":"f64","value":"9221120237041090561"}`)
	ok, _ := exact.Match(Bits{Lo: 0x7ff8_0000_0000_0001})
	assert.True(t, ok)
	ok, msg := exact.Match(Bits{Lo: 0x7ff8_0000_0000_0000})
	assert.False(t, ok)
	assert.Contains(t, msg, "want f64")
}

func TestV128(t *testing.T) {
	p := mustPattern(t, `{"type":"v128","lane_type":"i16","value":["1","2","3","4","5","6","7","65535"]}`)
	assert.Equal(t, Bits{Lo: 0x0004_0003_0002_0001, Hi: 0xffff_0007_0006_0005}, p.Bits)
	ok, _ := p.Match(p.Bits)
	assert.True(t, ok)

	f := mustPattern(t, `{"type":"v128","lane_type":"f32","value":["nan:canonical","0","1065353216","nan:arithmetic"]}`)
	ok, _ = f.Match(Bits{Lo: 0x0000_0000_7fc0_0000, Hi: 0x7fc0_0001_3f80_0000})
	assert.True(t, ok)
	ok, _ = f.Match(Bits{Lo: 0x0000_0000_7f80_0001, Hi: 0x7fc0_0001_3f80_0000})
	assert.False(t, ok, "signalling NaN in lane 0")

	_, err := ParseExpected(val(t, `{"type":"v128","lane_type":"i32","value":["1","2"]}`))
	assert.ErrorContains(t, err, "2 lanes")
}

func TestRefs(t *testing.T) {
	null := mustPattern(t, `{"type":"funcref","value":"null"}`)
	ok, _ := null.Match(Bits{})
	assert.True(t, ok)
	ok, _ = null.Match(Bits{Lo: 1})
	assert.False(t, ok)
}

func mustPattern(t *testing.T, js string) Pattern {
	t.Helper()
	p, err := ParseExpected(val(t, js))
	require.NoError(t, err)
	return p
}
