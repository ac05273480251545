package wasi

import (
	"context"
	"fmt"
)

// impl is the shape of every errno-returning host function: parameters
// come in s, the errno goes back as the single result.
type impl func(ctx context.Context, m mem, s []uint64) Errno

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

func errnoFunc(name, params string, f impl) Func {
	ps := sig(params)
	need := max(len(ps), 1)
	return Func{
		Name: name, Params: ps, Results: sig("i"),
		Call: func(ctx context.Context, memory Memory, stack []uint64) error {
			if len(stack) < need {
				return fmt.Errorf("wasi: %s: stack has %d slots, need %d", name, len(stack), need)
			}
			var m mem
			if memory != nil {
				m = memory.Bytes()
			}
			stack[0] = uint64(f(ctx, m, stack))
			return nil
		},
	}
}

// Functions returns every function of wasi_snapshot_preview1, bound to h.
func (h *Host) Functions() []Func {
	return []Func{
		errnoFunc("args_get", "ii", h.argsGet),
		errnoFunc("args_sizes_get", "ii", h.argsSizesGet),
		errnoFunc("environ_get", "ii", h.environGet),
		errnoFunc("environ_sizes_get", "ii", h.environSizesGet),
		errnoFunc("clock_res_get", "ii", h.clockResGet),
		errnoFunc("clock_time_get", "iIi", h.clockTimeGet),
		errnoFunc("fd_advise", "iIIi", h.fdAdvise),
		errnoFunc("fd_allocate", "iII", h.fdAllocate),
		errnoFunc("fd_close", "i", h.fdClose),
		errnoFunc("fd_datasync", "i", h.fdDatasync),
		errnoFunc("fd_fdstat_get", "ii", h.fdFdstatGet),
		errnoFunc("fd_fdstat_set_flags", "ii", h.fdFdstatSetFlags),
		errnoFunc("fd_fdstat_set_rights", "iII", h.fdFdstatSetRights),
		errnoFunc("fd_filestat_get", "ii", h.fdFilestatGet),
		errnoFunc("fd_filestat_set_size", "iI", h.fdFilestatSetSize),
		errnoFunc("fd_filestat_set_times", "iIIi", h.fdFilestatSetTimes),
		errnoFunc("fd_pread", "iiiIi", h.fdPread),
		errnoFunc("fd_prestat_get", "ii", h.fdPrestatGet),
		errnoFunc("fd_prestat_dir_name", "iii", h.fdPrestatDirName),
		errnoFunc("fd_pwrite", "iiiIi", h.fdPwrite),
		errnoFunc("fd_read", "iiii", h.fdRead),
		errnoFunc("fd_readdir", "iiiIi", h.fdReaddir),
		errnoFunc("fd_renumber", "ii", h.fdRenumber),
		errnoFunc("fd_seek", "iIii", h.fdSeek),
		errnoFunc("fd_sync", "i", h.fdSync),
		errnoFunc("fd_tell", "ii", h.fdTell),
		errnoFunc("fd_write", "iiii", h.fdWrite),
		errnoFunc("path_create_directory", "iii", h.pathCreateDirectory),
		errnoFunc("path_filestat_get", "iiiii", h.pathFilestatGet),
		errnoFunc("path_filestat_set_times", "iiiiIIi", h.pathFilestatSetTimes),
		errnoFunc("path_link", "iiiiiii", h.pathLink),
		errnoFunc("path_open", "iiiiiIIii", h.pathOpen),
		errnoFunc("path_readlink", "iiiiii", h.pathReadlink),
		errnoFunc("path_remove_directory", "iii", h.pathRemoveDirectory),
		errnoFunc("path_rename", "iiiiii", h.pathRename),
		errnoFunc("path_symlink", "iiiii", h.pathSymlink),
		errnoFunc("path_unlink_file", "iii", h.pathUnlinkFile),
		errnoFunc("poll_oneoff", "iiii", h.pollOneoff),
		{
			Name: "proc_exit", Params: sig("i"),
			Call: func(_ context.Context, _ Memory, stack []uint64) error {
				if len(stack) < 1 {
					return fmt.Errorf("wasi: proc_exit: empty stack")
				}
				return &ExitError{Code: uint32(stack[0])}
			},
		},
		errnoFunc("proc_raise", "i", h.procRaise),
		errnoFunc("sched_yield", "", h.schedYield),
		errnoFunc("random_get", "ii", h.randomGet),
		errnoFunc("sock_accept", "iii", h.sockAccept),
		errnoFunc("sock_recv", "iiiiii", h.sockRecv),
		errnoFunc("sock_send", "iiiii", h.sockSend),
		errnoFunc("sock_shutdown", "ii", h.sockShutdown),
	}
}
