// Package runtime loads artifacts produced by the wasiaot compiler and runs
// them: Load and LoadFile map verified code into the code arena, Instantiate
// links imports (Go host functions or other instances' exports) and builds an
// instance (vmctx, linear memory, tables, globals, segments, start function),
// and Call runs exported functions with their arguments as raw uint64 words.
//
// Values cross the API as uint64 words: an i32 zero-extended, an i64 as is,
// f32 and f64 as their IEEE bits (math.Float32bits, math.Float64bits), a
// funcref as the address of its FuncRef record (0 is null), an externref as
// the host's handle (0 is null) and a v128 as two words, low half first.
//
// Concurrency: a Runtime and a Module may be used from many goroutines at
// once and a Module may be instantiated any number of times. An Instance runs
// one call chain at a time: calling it from a second goroutine while a call is
// running (also while that call waits in a host function) fails with
// ErrConcurrentUse, while a host function may call back into the instance
// that called it, on the goroutine it runs on (re-entrancy).
//
// Lifetime: an instance whose function, table, memory or global another
// instance imported stays allocated until every importer is closed as well.
// A funcref written into a table that the instance does not own or import
// keeps pointing at the instance; close it only after such tables are gone.
// Globals, tables and the memory obtained from an instance must not be used
// after it is released (their storage is reused by later instances).
//
// Reuse: instantiating takes what earlier instances released. A Module keeps
// the vmctx and native stack of its closed instances, a Runtime keeps idle
// linear memories (zeroed, with the pages the last instance touched still
// mapped), and a small process-wide reserve of memories, vmctx blocks and
// stacks outlives Runtimes, so that a Runtime made per request still finds
// them warm: mapping them anew costs page faults, and unmapping a TLB
// shootdown on every CPU the process ran on.
//
// Data segments: a module with much data (64 KiB, or 256 segments: a Go
// program has tens of thousands) whose active segments have constant
// offsets inside its initial memory gets a data image on first
// instantiation: the initial memory contents, written once from the
// verified .rodata into a memfd sealed against any later write, growth or
// shrinking. Each instance maps it copy-on-write over the start of its
// memory, one mmap per run of pages with data, instead of copying the
// segments; pages only read stay shared by every instance. A released
// memory keeps the mapping and is restored with madvise(MADV_DONTNEED),
// so the next instance of the module takes it as it is. Modules that
// import their memory or a table copy their segments as before.
//
// Artifact files: LoadFile reads an artifact into fresh anonymous memory,
// checks it there (the SHA-256 digests of every byte, the signature when
// Config.TrustedKeys asks for one, the CPU features) and only then makes
// its .text read+execute and its .rodata read only: the bytes checked are
// the bytes that run, whatever happens to the file later. Config.PerfMap
// lists the code for perf, which cannot read it from the file. The process
// keeps one image per version of a file, shared by every Module loaded from
// it in any Runtime, identified by the file's device, inode, size, and
// modification and change times in nanoseconds; loading a file loaded
// before and not changed since costs one stat of the path and no reading,
// parsing, verifying or mapping. Nothing an instance writes lives in the
// image (its state is in its vmctx, memory, tables and globals), so Modules
// sharing it cannot affect each other. An image stays while a Module uses
// it; once unused, up to 8 images totalling 64 MiB of files are kept for
// the next load, the least recently used freed first. A file written to
// gets a new change time and so a new image (and its old one goes as soon
// as it is unused); a file changed within the last 50 ms (2 s on file
// systems without sub-second timestamps) is loaded without being cached, as
// it could change again within one timestamp tick; a load that fails
// caches nothing. FlushArtifactCache empties the cache. On NFS, stat may
// answer from attributes cached for up to acregmax where open would
// revalidate them, so a change made on another machine may take that long
// to be seen.
//
// Typical use:
//
//	rt := runtime.New(runtime.Config{})
//	mod, err := rt.LoadFile("app.so")
//	inst, err := mod.Instantiate(ctx, runtime.Imports{"env": {"log": runtime.NewHostFunction(...)}})
//	results, err := inst.Call(ctx, "add", 1, 2)
//
// A failed call returns a *Trap whose Error text contains the spec's
// wording ("integer divide by zero", "out of bounds memory access", ...)
// and names the wasm function and byte offset when the artifact records
// them.
package runtime
