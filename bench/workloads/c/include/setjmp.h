// wasi-libc has no setjmp.h (wasm32 has no non-local jumps without the
// exception-handling proposal). Lua includes it unconditionally; with the
// LUAI_THROW/LUAI_TRY overrides in c.sh nothing from it is used, so only the
// type is declared here.
#ifndef WASI_COMPAT_SETJMP_H
#define WASI_COMPAT_SETJMP_H
typedef int jmp_buf[1];
#endif
