package wasi

import (
	"context"
	"fmt"
)

// sig turns "iiI" (i = i32, I = i64) into value types.
func sig(s string) []ValType {
	out := make([]ValType, len(s))
	for i := range s {
		if s[i] == 'I' {
			out[i] = ValI64
		} else {
			out[i] = ValI32
		}
	}
	return out
}

// funcDef is one function of wasi_snapshot_preview1. All but proc_exit
// return an errno: f takes the parameters in s and its errno goes back as
// the single result. proc_exit has no f.
type funcDef struct {
	name            string
	params, results []ValType
	f               func(h *Host, ctx context.Context, m mem, s []uint64) Errno
}

var errnoResult = sig("i")

// funcDefs are the functions in the order Functions lists them. They are
// built once: a Host only binds them.
var funcDefs = [...]funcDef{
	{name: "args_get", params: sig("ii"), results: errnoResult, f: (*Host).argsGet},
	{name: "args_sizes_get", params: sig("ii"), results: errnoResult, f: (*Host).argsSizesGet},
	{name: "environ_get", params: sig("ii"), results: errnoResult, f: (*Host).environGet},
	{name: "environ_sizes_get", params: sig("ii"), results: errnoResult, f: (*Host).environSizesGet},
	{name: "clock_res_get", params: sig("ii"), results: errnoResult, f: (*Host).clockResGet},
	{name: "clock_time_get", params: sig("iIi"), results: errnoResult, f: (*Host).clockTimeGet},
	{name: "fd_advise", params: sig("iIIi"), results: errnoResult, f: (*Host).fdAdvise},
	{name: "fd_allocate", params: sig("iII"), results: errnoResult, f: (*Host).fdAllocate},
	{name: "fd_close", params: sig("i"), results: errnoResult, f: (*Host).fdClose},
	{name: "fd_datasync", params: sig("i"), results: errnoResult, f: (*Host).fdDatasync},
	{name: "fd_fdstat_get", params: sig("ii"), results: errnoResult, f: (*Host).fdFdstatGet},
	{name: "fd_fdstat_set_flags", params: sig("ii"), results: errnoResult, f: (*Host).fdFdstatSetFlags},
	{name: "fd_fdstat_set_rights", params: sig("iII"), results: errnoResult, f: (*Host).fdFdstatSetRights},
	{name: "fd_filestat_get", params: sig("ii"), results: errnoResult, f: (*Host).fdFilestatGet},
	{name: "fd_filestat_set_size", params: sig("iI"), results: errnoResult, f: (*Host).fdFilestatSetSize},
	{name: "fd_filestat_set_times", params: sig("iIIi"), results: errnoResult, f: (*Host).fdFilestatSetTimes},
	{name: "fd_pread", params: sig("iiiIi"), results: errnoResult, f: (*Host).fdPread},
	{name: "fd_prestat_get", params: sig("ii"), results: errnoResult, f: (*Host).fdPrestatGet},
	{name: "fd_prestat_dir_name", params: sig("iii"), results: errnoResult, f: (*Host).fdPrestatDirName},
	{name: "fd_pwrite", params: sig("iiiIi"), results: errnoResult, f: (*Host).fdPwrite},
	{name: "fd_read", params: sig("iiii"), results: errnoResult, f: (*Host).fdRead},
	{name: "fd_readdir", params: sig("iiiIi"), results: errnoResult, f: (*Host).fdReaddir},
	{name: "fd_renumber", params: sig("ii"), results: errnoResult, f: (*Host).fdRenumber},
	{name: "fd_seek", params: sig("iIii"), results: errnoResult, f: (*Host).fdSeek},
	{name: "fd_sync", params: sig("i"), results: errnoResult, f: (*Host).fdSync},
	{name: "fd_tell", params: sig("ii"), results: errnoResult, f: (*Host).fdTell},
	{name: "fd_write", params: sig("iiii"), results: errnoResult, f: (*Host).fdWrite},
	{name: "path_create_directory", params: sig("iii"), results: errnoResult, f: (*Host).pathCreateDirectory},
	{name: "path_filestat_get", params: sig("iiiii"), results: errnoResult, f: (*Host).pathFilestatGet},
	{name: "path_filestat_set_times", params: sig("iiiiIIi"), results: errnoResult, f: (*Host).pathFilestatSetTimes},
	{name: "path_link", params: sig("iiiiiii"), results: errnoResult, f: (*Host).pathLink},
	{name: "path_open", params: sig("iiiiiIIii"), results: errnoResult, f: (*Host).pathOpen},
	{name: "path_readlink", params: sig("iiiiii"), results: errnoResult, f: (*Host).pathReadlink},
	{name: "path_remove_directory", params: sig("iii"), results: errnoResult, f: (*Host).pathRemoveDirectory},
	{name: "path_rename", params: sig("iiiiii"), results: errnoResult, f: (*Host).pathRename},
	{name: "path_symlink", params: sig("iiiii"), results: errnoResult, f: (*Host).pathSymlink},
	{name: "path_unlink_file", params: sig("iii"), results: errnoResult, f: (*Host).pathUnlinkFile},
	{name: "poll_oneoff", params: sig("iiii"), results: errnoResult, f: (*Host).pollOneoff},
	{name: "proc_exit", params: sig("i")},
	{name: "proc_raise", params: sig("i"), results: errnoResult, f: (*Host).procRaise},
	{name: "sched_yield", params: sig(""), results: errnoResult, f: (*Host).schedYield},
	{name: "random_get", params: sig("ii"), results: errnoResult, f: (*Host).randomGet},
	{name: "sock_accept", params: sig("iii"), results: errnoResult, f: (*Host).sockAccept},
	{name: "sock_recv", params: sig("iiiiii"), results: errnoResult, f: (*Host).sockRecv},
	{name: "sock_send", params: sig("iiiii"), results: errnoResult, f: (*Host).sockSend},
	{name: "sock_shutdown", params: sig("ii"), results: errnoResult, f: (*Host).sockShutdown},
}

// call is d bound to h, in the shape of Func.Call. A call that blocked until
// ctx was cancelled fails with the context's cause.
func (d *funcDef) call(h *Host) func(ctx context.Context, memory Memory, stack []uint64) error {
	if d.f == nil {
		return procExit
	}
	f, name, need := d.f, d.name, max(len(d.params), 1)
	return func(ctx context.Context, memory Memory, stack []uint64) error {
		if len(stack) < need {
			return fmt.Errorf("wasi: %s: stack has %d slots, need %d", name, len(stack), need)
		}
		var m mem
		if memory != nil {
			m = memory.Bytes()
		}
		errno := f(h, ctx, m, stack)
		if errno == errnoCancelled {
			return context.Cause(ctx)
		}
		stack[0] = uint64(errno)
		return nil
	}
}

func procExit(_ context.Context, _ Memory, stack []uint64) error {
	if len(stack) < 1 {
		return fmt.Errorf("wasi: proc_exit: empty stack")
	}
	return &ExitError{Code: uint32(stack[0])}
}

// Functions returns every function of wasi_snapshot_preview1, bound to h.
func (h *Host) Functions() []Func {
	out := make([]Func, len(funcDefs))
	for i := range funcDefs {
		d := &funcDefs[i]
		out[i] = Func{Name: d.name, Params: d.params, Results: d.results, Call: d.call(h)}
	}
	return out
}
