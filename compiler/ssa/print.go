package ssa

import (
	"math"
	"strconv"
)

// String returns the text form of f (see doc.go for the grammar).
func (f *Func) String() string {
	var buf []byte
	buf = append(buf, "func "...)
	buf = appendName(buf, f.Name)
	buf = appendSig(buf, &f.Sig)
	buf = append(buf, " {\n"...)
	for i := range f.Sigs {
		buf = append(buf, "  sig"...)
		buf = strconv.AppendInt(buf, int64(i), 10)
		buf = append(buf, " = "...)
		buf = appendSig(buf, &f.Sigs[i])
		buf = append(buf, '\n')
	}
	for _, b := range f.Blocks {
		buf = f.appendBlock(buf, b)
	}
	buf = append(buf, "}\n"...)
	return string(buf)
}

// String returns the text form of v's definition, without indentation.
func (v *Value) String() string { return string(appendValue(nil, v)) }

func isPlainName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '$') {
			return false
		}
	}
	return true
}

func appendName(buf []byte, s string) []byte {
	if isPlainName(s) {
		return append(buf, s...)
	}
	return strconv.AppendQuote(buf, s)
}

func appendTypes(buf []byte, ts []Type) []byte {
	for i, t := range ts {
		if i > 0 {
			buf = append(buf, ", "...)
		}
		buf = append(buf, t.String()...)
	}
	return buf
}

func appendSig(buf []byte, s *Signature) []byte {
	buf = append(buf, '(')
	buf = appendTypes(buf, s.Params)
	buf = append(buf, ')')
	if len(s.Results) > 0 {
		buf = append(buf, " -> "...)
		buf = appendTypes(buf, s.Results)
	}
	return buf
}

func appendID(buf []byte, id ID) []byte {
	buf = append(buf, 'v')
	return strconv.AppendInt(buf, int64(id), 10)
}

func appendIDs(buf []byte, ids []ID) []byte {
	for i, id := range ids {
		if i > 0 {
			buf = append(buf, ", "...)
		}
		buf = appendID(buf, id)
	}
	return buf
}

func appendBlockRef(buf []byte, id BlockID) []byte {
	buf = append(buf, 'b')
	return strconv.AppendInt(buf, int64(id), 10)
}

func appendEdge(buf []byte, e Edge) []byte {
	buf = appendBlockRef(buf, e.Block)
	if len(e.Args) > 0 {
		buf = append(buf, '(')
		buf = appendIDs(buf, e.Args)
		buf = append(buf, ')')
	}
	return buf
}

func (f *Func) appendBlock(buf []byte, b *Block) []byte {
	buf = appendBlockRef(buf, b.ID)
	if len(b.Params) > 0 {
		buf = append(buf, '(')
		for i, id := range b.Params {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			buf = appendID(buf, id)
			buf = append(buf, ':')
			buf = append(buf, f.Value(id).Type.String()...)
		}
		buf = append(buf, ')')
	}
	buf = append(buf, ":\n"...)
	for _, id := range b.Instrs {
		buf = append(buf, "  "...)
		buf = appendValue(buf, f.Value(id))
		buf = append(buf, '\n')
	}
	buf = append(buf, "  "...)
	buf = appendTerm(buf, b)
	return append(buf, '\n')
}

func appendTerm(buf []byte, b *Block) []byte {
	buf = append(buf, b.Term.String()...)
	switch b.Term {
	case OpJump:
		if len(b.Succs) == 1 {
			buf = append(buf, ' ')
			buf = appendEdge(buf, b.Succs[0])
		}
	case OpBrIf:
		buf = append(buf, ' ')
		buf = appendIDs(buf, b.Controls)
		for _, e := range b.Succs {
			buf = append(buf, ", "...)
			buf = appendEdge(buf, e)
		}
	case OpBrTable:
		buf = append(buf, ' ')
		buf = appendIDs(buf, b.Controls)
		buf = append(buf, ", ["...)
		n := len(b.Succs) - 1
		for i := 0; i < n; i++ {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			buf = appendEdge(buf, b.Succs[i])
		}
		buf = append(buf, ']')
		if n >= 0 {
			buf = append(buf, ", "...)
			buf = appendEdge(buf, b.Succs[n])
		}
	case OpReturn:
		if len(b.Controls) > 0 {
			buf = append(buf, ' ')
			buf = appendIDs(buf, b.Controls)
		}
	case OpTrap:
		buf = append(buf, ' ')
		buf = append(buf, TrapKind(b.Aux).Name()...)
	}
	return buf
}

func appendValue(buf []byte, v *Value) []byte {
	buf = appendID(buf, v.ID)
	if v.Type != TypeVoid {
		buf = append(buf, ':')
		buf = append(buf, v.Type.String()...)
	}
	buf = append(buf, " = "...)
	buf = append(buf, v.Op.String()...)
	if imm := appendAux(nil, v); len(imm) > 0 {
		buf = append(buf, ' ')
		buf = append(buf, imm...)
	}
	for i, a := range v.Args {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, ' ')
		buf = appendID(buf, a)
	}
	return buf
}

func appendIndex(buf []byte, prefix string, n int64) []byte {
	buf = append(buf, prefix...)
	return strconv.AppendUint(buf, uint64(uint32(n)), 10)
}

// appendAux formats the immediates of v, space separated.
func appendAux(buf []byte, v *Value) []byte {
	switch v.Op.Info().Aux {
	case AuxInt, AuxIndex:
		buf = strconv.AppendInt(buf, v.Aux, 10)
	case AuxNone:
		if !v.Op.IsDiv() {
			break
		}
		sep := ""
		for i, name := range divFlagNames {
			if v.Aux&(1<<i) != 0 {
				buf = append(append(buf, sep...), name...)
				sep = " "
			}
		}
	case AuxF32:
		buf = appendF32(buf, uint32(v.Aux))
	case AuxF64:
		buf = appendF64(buf, uint64(v.Aux))
	case AuxV128:
		buf = append(buf, "0x"...)
		buf = appendHex64(buf, uint64(v.Aux2))
		buf = appendHex64(buf, uint64(v.Aux))
	case AuxShuffle:
		buf = append(buf, '[')
		for i, l := range v.ShuffleLanes() {
			if i > 0 {
				buf = append(buf, ' ')
			}
			buf = strconv.AppendUint(buf, uint64(l), 10)
		}
		buf = append(buf, ']')
	case AuxLane:
		buf = append(buf, "lane="...)
		buf = strconv.AppendUint(buf, uint64(v.Lane()), 10)
	case AuxMem, AuxMemLane:
		buf = append(buf, "offset="...)
		buf = strconv.AppendUint(buf, v.Offset(), 10)
		buf = append(buf, " align="...)
		buf = strconv.AppendUint(buf, 1<<(v.AlignLog2()&63), 10)
		if v.Op.Info().Aux == AuxMemLane {
			buf = append(buf, " lane="...)
			buf = strconv.AppendUint(buf, uint64(v.Lane()), 10)
		}
		if m := v.MemIndex(); m != 0 {
			buf = append(buf, " mem="...)
			buf = strconv.AppendUint(buf, uint64(m), 10)
		}
	case AuxMemory:
		buf = appendIndex(buf, "m", v.Aux)
	case AuxMemory2:
		buf = appendIndex(buf, "m", v.Aux)
		buf = appendIndex(buf, " m", v.Aux2)
	case AuxData:
		buf = appendIndex(buf, "d", v.Aux)
		buf = appendIndex(buf, " m", v.Aux2)
	case AuxDataIndex:
		buf = appendIndex(buf, "d", v.Aux)
	case AuxGlobal:
		buf = appendIndex(buf, "g", v.Aux)
	case AuxTable:
		buf = appendIndex(buf, "t", v.Aux)
	case AuxTable2:
		buf = appendIndex(buf, "t", v.Aux)
		buf = appendIndex(buf, " t", v.Aux2)
	case AuxElem:
		buf = appendIndex(buf, "e", v.Aux)
		buf = appendIndex(buf, " t", v.Aux2)
	case AuxElemIndex:
		buf = appendIndex(buf, "e", v.Aux)
	case AuxFunc:
		buf = appendIndex(buf, "f", v.Aux)
	case AuxCall:
		buf = appendIndex(buf, "f", v.Aux)
		buf = appendIndex(buf, " sig", v.Aux2)
	case AuxCallIndirect:
		buf = appendIndex(buf, "type", int64(v.TypeIndex()))
		buf = appendIndex(buf, " t", int64(v.TableIndex()))
		buf = appendIndex(buf, " sig", v.Aux2)
	case AuxTrap:
		buf = append(buf, TrapKind(v.Aux).Name()...)
	}
	return buf
}

// appendHex64 appends x as 16 hex digits.
func appendHex64(buf []byte, x uint64) []byte {
	const digits = "0123456789abcdef"
	for i := 60; i >= 0; i -= 4 {
		buf = append(buf, digits[x>>uint(i)&15])
	}
	return buf
}

// Floats print in the shortest decimal form that reads back to the same
// bits; NaNs print their bits, since their payload matters.
func appendF32(buf []byte, bits uint32) []byte {
	x := math.Float32frombits(bits)
	if x != x {
		buf = append(buf, "nan:0x"...)
		return strconv.AppendUint(buf, uint64(bits), 16)
	}
	return strconv.AppendFloat(buf, float64(x), 'g', -1, 32)
}

func appendF64(buf []byte, bits uint64) []byte {
	x := math.Float64frombits(bits)
	if x != x {
		buf = append(buf, "nan:0x"...)
		return strconv.AppendUint(buf, bits, 16)
	}
	return strconv.AppendFloat(buf, x, 'g', -1, 64)
}

// FormatF32 and FormatF64 give the text form of float constants.
func FormatF32(bits uint32) string { return string(appendF32(nil, bits)) }

// FormatF64 gives the text form of a float64 constant.
func FormatF64(bits uint64) string { return string(appendF64(nil, bits)) }

// divFlagNames are the words of the DivFlags bits, lowest first.
var divFlagNames = [numDivFlags]string{"nonzero", "nooverflow"}
