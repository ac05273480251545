package amd64

import (
	"encoding/binary"

	"github.com/twitchyliquid64/golang-asm/obj"
	"github.com/twitchyliquid64/golang-asm/obj/x86"
)

// golang-asm sizes jumps by assembling the whole function again until no
// forward jump assumed short turns out long: two or three passes over
// every instruction of a big function, most of the time emission took.
// Instead the jumps between instructions are taken out before assembly
// (left as zero-size NOPs), golang-asm assembles the rest in one pass,
// and layoutJumps sizes the jumps with the same rules over the sizes it
// found, then moves the instructions apart to make room for them. The
// bytes are those golang-asm would have made (TestJumpLayoutIdentical).

// layoutJumpsHere is whether emit sizes the jumps itself (a variable for
// the test that compares with golang-asm's own sizing).
var layoutJumpsHere = true

// localJump is a jump to an instruction of the function, taken out of
// the instruction list before assembly.
type localJump struct {
	p      *obj.Prog // now a NOP, its place
	as     obj.As    // AJMP or a conditional jump
	target *obj.Prog
	// Filled in by layoutJumps: the indices of p and of its target in
	// the instruction list, and whether p is still short.
	at, to int32
	short  bool
	back   bool // the target is not after p
}

// jccCode is the condition field of each conditional jump, the low
// nibble of its opcode (0x70+cc short, 0x0f 0x80+cc long).
var jccCode = map[obj.As]byte{
	x86.AJOS: 0x0, x86.AJOC: 0x1, x86.AJCS: 0x2, x86.AJCC: 0x3,
	x86.AJEQ: 0x4, x86.AJNE: 0x5, x86.AJLS: 0x6, x86.AJHI: 0x7,
	x86.AJMI: 0x8, x86.AJPL: 0x9, x86.AJPS: 0xa, x86.AJPC: 0xb,
	x86.AJLT: 0xc, x86.AJGE: 0xd, x86.AJLE: 0xe, x86.AJGT: 0xf,
}

// takeJumps replaces the jumps from first on to instructions of the list
// by NOPs, recording them in jumps.
func takeJumps(first *obj.Prog, jumps []localJump) []localJump {
	for p := first; p != nil; p = p.Link {
		if p.To.Type != obj.TYPE_BRANCH || p.To.Sym != nil || p.To.Target() == nil {
			continue
		}
		if _, ok := jccCode[p.As]; !ok && p.As != obj.AJMP {
			continue
		}
		jumps = append(jumps, localJump{p: p, as: p.As, target: p.To.Target()})
		p.As, p.To = obj.ANOP, obj.Addr{}
	}
	return jumps
}

// jumpLayout is layoutJumps' storage, reused from one function to the
// next.
type jumpLayout struct {
	progs  []*obj.Prog
	pc     []int32 // per instruction: its offset in the assembled code; then the end
	newPC  []int32 // per instruction: its offset with the jumps
	jumpAt []int32 // per instruction: the jump there +1, 0 if none
	rel    []int32 // per instruction: the first forward jump to it in this pass, -1 if none
	next   []int32 // per jump: the next one in its target's rel list
	code   []byte
}

// resize returns s with length n, all zero.
func resize(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// layoutJumps inserts jumps into sym's code, assembled from the list at
// first without them, sizing them as span6 does: backward jumps by their
// distance, forward jumps short until a pass finds one too far, which is
// then long in every later pass, until a pass changes nothing.
func (l *jumpLayout) layoutJumps(first *obj.Prog, sym *obj.LSym, jumps []localJump) {
	if len(jumps) == 0 {
		return
	}
	// Until the end, an instruction's Pc is its index in the list.
	progs, pc := l.progs[:0], l.pc[:0]
	for p := first; p != nil; p = p.Link {
		pc = append(pc, int32(p.Pc))
		p.Pc = int64(len(progs))
		progs = append(progs, p)
	}
	pc = append(pc, int32(len(sym.P))) // the end, for the last size
	l.progs, l.pc = progs, pc
	n := len(progs)
	l.jumpAt, l.newPC, l.rel = resize(l.jumpAt, n), resize(l.newPC, n), resize(l.rel, n)
	l.next = resize(l.next, len(jumps))
	jumpAt, newPC, rel, next := l.jumpAt, l.newPC, l.rel, l.next
	for k := range jumps {
		j := &jumps[k]
		j.at, j.to = int32(j.p.Pc), int32(j.target.Pc)
		j.short, j.back = true, j.to <= j.at
		jumpAt[j.at] = int32(k) + 1
	}
	size := func(j *localJump) int32 {
		switch {
		case j.short:
			return 2
		case j.as == obj.AJMP:
			return 5
		}
		return 6
	}
	for {
		again := false
		for i := range rel {
			rel[i] = -1
		}
		c := int32(0)
		for i := range progs {
			newPC[i] = c
			for k := rel[i]; k >= 0; k = next[k] {
				q := &jumps[k]
				if q.short && c-(newPC[q.at]+2) > 127 {
					q.short = false
					again = true
				}
			}
			k := jumpAt[i] - 1
			if k < 0 {
				c += pc[i+1] - pc[i]
				continue
			}
			j := &jumps[k]
			if j.back {
				j.short = newPC[j.to]-(c+2) >= -128
			} else {
				next[k], rel[j.to] = rel[j.to], k
			}
			c += size(j)
		}
		if !again {
			break
		}
	}
	// Move the instructions to their places and encode the jumps.
	end := newPC[n-1] + pc[n] - pc[n-1]
	if k := jumpAt[n-1] - 1; k >= 0 {
		end = newPC[n-1] + size(&jumps[k])
	}
	code := append(l.code[:0], make([]byte, end)...)
	for i, p := range progs {
		at := newPC[i]
		if k := jumpAt[i] - 1; k >= 0 {
			j := &jumps[k]
			n := size(j)
			v := newPC[j.to] - (at + n)
			b := code[at:]
			switch {
			case j.short && j.as == obj.AJMP:
				b[0], b[1] = 0xeb, byte(v)
			case j.short:
				b[0], b[1] = 0x70|jccCode[j.as], byte(v)
			case j.as == obj.AJMP:
				b[0] = 0xe9
				binary.LittleEndian.PutUint32(b[1:], uint32(v))
			default:
				b[0], b[1] = 0x0f, 0x80|jccCode[j.as]
				binary.LittleEndian.PutUint32(b[2:], uint32(v))
			}
			p.As, p.Isize = j.as, uint8(n)
			p.To.Type = obj.TYPE_BRANCH
			p.To.SetTarget(j.target)
		} else {
			copy(code[at:], sym.P[pc[i]:pc[i+1]])
		}
		p.Pc = int64(at)
	}
	// Relocations are in instructions, in order.
	i := 0
	for r := range sym.R {
		off := sym.R[r].Off
		for pc[i+1] <= off {
			i++
		}
		sym.R[r].Off += newPC[i] - pc[i]
	}
	l.code = sym.P
	sym.P = code
}
