package main

import (
	"bufio"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// pollPatterns match, in objdump's text, an instruction of a preemption or
// interrupt check (docs/abi.md, "Polls"): an access to the vmctx's G,
// Interrupt or PreemptStub field, or a compare with Go's StackPreempt
// marker (-1314).
var pollPatterns = map[string]*regexp.Regexp{
	"amd64": regexp.MustCompile(`\[r15\+0x(10|18|30)\]|-0x522\b`),
	"arm64": regexp.MustCompile(`\[x26,#(16|24|48)\]|#0x522\b`),
}

// branchTarget finds the target of a pc-relative branch in objdump's text:
// arm64 lines end in "// 0xADDR <name+off>", amd64 jumps in their target.
var branchTarget = map[string]*regexp.Regexp{
	"amd64": regexp.MustCompile(`^j[a-z]+ 0x([0-9a-f]+)$`),
	"arm64": regexp.MustCompile(`^(?:b|b\.[a-z]+|cbn?z|tbn?z) .*// 0x([0-9a-f]+)`),
}

type disasmLine struct {
	pc   uint64
	text string
}

// objdumpLoops parses objdump output and returns, per function, the loops
// it contains: the instructions from a backward branch's target to the
// branch.
func objdumpLoops(t *testing.T, arch, out string) map[string][][]disasmLine {
	loops := map[string][][]disasmLine{}
	var fn string
	var body []disasmLine
	flush := func() {
		for i, in := range body {
			m := branchTarget[arch].FindStringSubmatch(in.text)
			if m == nil {
				continue
			}
			target, err := strconv.ParseUint(m[1], 16, 64)
			require.NoError(t, err)
			if target > in.pc {
				continue
			}
			start := i
			for start > 0 && body[start-1].pc >= target {
				start--
			}
			if body[start].pc == target {
				loops[fn] = append(loops[fn], body[start:i+1])
			}
		}
		body = nil
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasSuffix(line, "):") {
			flush()
			fn = strings.Fields(line)[1]
			continue
		}
		f := strings.SplitN(line, "\t", 3)
		if len(f) != 3 || !strings.HasSuffix(f[0], ":") {
			continue
		}
		pc, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(f[0], ":")), 16, 64)
		require.NoError(t, err, "line %q", line)
		text, _, _ := strings.Cut(f[2], "\t;")
		body = append(body, disasmLine{pc, strings.TrimSpace(text)})
	}
	flush()
	return loops
}

// pollsInLoops returns the loop instructions that belong to a poll.
func pollsInLoops(arch string, loops map[string][][]disasmLine) []string {
	var found []string
	for fn, ls := range loops {
		for _, l := range ls {
			for _, in := range l {
				if pollPatterns[arch].MatchString(in.text) {
					found = append(found, fn+": "+strconv.FormatUint(in.pc, 16)+": "+in.text)
				}
			}
		}
	}
	return found
}

// TestObjdumpHotLoopsHaveNoPoll: the hot loops of the kernels, compiled for
// each target and disassembled by objdump, contain no instruction for
// preemption or interruption (the signal does that job).
func TestObjdumpHotLoopsHaveNoPoll(t *testing.T) {
	kernels, err := filepath.Glob("../../testsuite/testdata/kernels/*.wasm")
	require.NoError(t, err)
	require.NotEmpty(t, kernels)
	for _, arch := range []string{"amd64", "arm64"} {
		t.Run(arch, func(t *testing.T) {
			total := 0
			for _, k := range kernels {
				if arch == "arm64" && strings.HasSuffix(k, ".simd.wasm") {
					continue // SIMD compiles for amd64 only so far
				}
				so := filepath.Join(t.TempDir(), filepath.Base(k)+".so")
				status, _, errOut := run(t, "build", "--target", arch, k, "-o", so)
				require.Zero(t, status, errOut)
				status, out, errOut := run(t, "objdump", "--header=false", so)
				require.Zero(t, status, errOut)
				loops := objdumpLoops(t, arch, out)
				n := 0
				for _, ls := range loops {
					n += len(ls)
				}
				require.Positive(t, n, "%s: no loop found in the disassembly", k)
				total += n
				require.Empty(t, pollsInLoops(arch, loops), "%s: poll instructions inside loops", k)
			}
			t.Logf("%d loops checked", total)
		})
	}
}

// TestPollDetector: the check above finds the poll sequences of
// docs/abi.md when a loop has one.
func TestPollDetector(t *testing.T) {
	for arch, out := range map[string]string{
		"amd64": `00000000 <f> (wasm function 0, 32 bytes):
       0:	4d8b5f10                	mov r11, qword ptr [r15+0x10]
       4:	49817b10defaffff        	cmp qword ptr [r11+0x10], -0x522
       c:	7402                    	jz 0x10
       e:	ebf0                    	jmp 0x0
      10:	c3                      	ret
`,
		"arm64": `00000000 <f> (wasm function 0, 24 bytes):
       0:	500b40f9                	ldr x16, [x26,#16]
       4:	100a40f9                	ldr x16, [x16,#16]
       8:	1f8a14b1                	cmn x16, #0x522
       c:	40000054                	b.eq .+0x8	// 0x14 <f+0x14>
      10:	fcffff17                	b .+0xfffffffffffffff0	// 0x0 <f>
      14:	c0035fd6                	ret
`,
	} {
		loops := objdumpLoops(t, arch, out)
		require.Len(t, loops["<f>"], 1, arch)
		require.Len(t, pollsInLoops(arch, loops), 2, arch)
	}
}
