package runtime

// prologueMax bounds the bytes of a function's code that frameSize reads.
const prologueMax = 64

// frameOf returns the frame of function code at offset at: its return
// address is right above what it has pushed and reserved (frameSize), and
// the caller's SP above that.
func frameOf(code []byte, at uint32) (frame, bool) {
	size, ok := frameSize(code, at)
	return frame{ra: size, caller: size + 8}, ok
}

// frameSize returns how many bytes function code has pushed and reserved
// below its return address when it is at offset at: its prologue (see
// docs/calling-convention.md) is an optional stack-limit check for big
// frames, pushes of the callee-saved registers it uses and an optional
// "sub rsp, frame", and nothing in the body moves RSP across an
// instruction that can trap or call. A prologue it does not recognise
// fails, which ends the backtrace.
func frameSize(code []byte, at uint32) (uintptr, bool) {
	i := 0
	has := func(b ...byte) bool {
		if i+len(b) > len(code) {
			return false
		}
		for k, x := range b {
			if code[i+k] != x {
				return false
			}
		}
		return true
	}
	// lea r11, [rsp-drop]; cmp r11, [r15+StackLimit]; jae ok; call [r15+TrapStub]
	if has(0x4c, 0x8d, 0x9c, 0x24) {
		i += 8
		if !has(0x4d, 0x3b, 0x5f, 0x40) {
			return 0, false
		}
		i += 4
		switch {
		case has(0x73):
			i += 2
		case has(0x0f, 0x83):
			i += 6
		default:
			return 0, false
		}
		if !has(0x41, 0xff, 0x57, 0x28) {
			return 0, false
		}
		i += 4
	}
	var size uintptr
	for i < len(code) && uint32(i) < at {
		switch {
		case has(0x53), has(0x55): // push rbx, push rbp
			size += 8
			i++
		case has(0x41, 0x54), has(0x41, 0x55), has(0x41, 0x56): // push r12..r14
			size += 8
			i += 2
		case has(0x48, 0x83, 0xec) && i+4 <= len(code): // sub rsp, imm8
			if uint32(i+4) <= at {
				size += uintptr(code[i+3])
			}
			return size, true
		case has(0x48, 0x81, 0xec) && i+7 <= len(code): // sub rsp, imm32
			if uint32(i+7) <= at {
				size += uintptr(uint32(code[i+3]) | uint32(code[i+4])<<8 | uint32(code[i+5])<<16 | uint32(code[i+6])<<24)
			}
			return size, true
		default:
			return size, true // the body: no frame to reserve
		}
	}
	return size, true
}
