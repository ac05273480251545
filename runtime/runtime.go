package runtime

import (
	"crypto/ed25519"

	"github.com/wasiaot/wasiaot/runtime/abi"
	"github.com/wasiaot/wasiaot/runtime/artifact"
	"github.com/wasiaot/wasiaot/runtime/internal/native"
)

// Config sets process-wide limits and pool sizes. Zero values pick defaults.
type Config struct {
	// MemoryLimitPages caps every linear memory an instance defines, below
	// the spec's 65536 pages: a module whose minimum exceeds it does not
	// instantiate and memory.grow beyond it fails.
	MemoryLimitPages uint32
	// TableLimitElems caps every table an instance defines (default and
	// at most 10,000,000 elements): a module whose minimum exceeds it does
	// not instantiate and table.grow beyond it fails.
	TableLimitElems uint32
	// StackSize is the native stack of each instance in bytes
	// (abi.DefaultStackSize if 0).
	StackSize int
	// MemoryPoolSize is how many idle memory reservations are kept for
	// reuse (default 64). MemoryPoolResident is how many bytes of zeroed
	// pages the idle memories may keep mapped in all (default 128 MiB): a
	// released memory has the pages it touched zeroed in place and kept
	// warm for the next instance, which then does not fault them in again,
	// while the budget lasts, and gives them back to the OS beyond it.
	MemoryPoolSize     int
	MemoryPoolResident int
	// InstancePoolSize is how many closed instances' vmctx and native stack
	// each Module keeps for reuse (default 16).
	InstancePoolSize int
	// TrustedKeys, when not empty, makes Load and LoadFile refuse an
	// artifact that is not signed by one of these ed25519 keys (see
	// artifact.Sign), before any of its code is made executable.
	TrustedKeys []ed25519.PublicKey
	// MaxArtifactSize bounds the artifacts Load and LoadFile accept, in
	// bytes (DefaultMaxArtifactSize if 0): a larger file, or a pipe that
	// gives more, is an error rather than memory exhausted.
	MaxArtifactSize int64
	// PerfMap lists the functions of every artifact loaded in
	// /tmp/perf-<pid>.map, so that perf can name code it samples: code runs
	// from anonymous memory, not from the artifact file.
	PerfMap bool
}

// DefaultMaxArtifactSize is the default Config.MaxArtifactSize, 1 GiB.
const DefaultMaxArtifactSize = 1 << 30

// Runtime holds what instances share: the configuration, the memory pool
// and the description of this machine.
type Runtime struct {
	cfg  Config
	pool *native.MemoryPool
	host artifact.Host
}

// New makes a Runtime.
func New(cfg Config) *Runtime {
	if cfg.MemoryLimitPages == 0 || cfg.MemoryLimitPages > native.MaxPages {
		cfg.MemoryLimitPages = native.MaxPages
	}
	if cfg.TableLimitElems == 0 || cfg.TableLimitElems > maxTableElems {
		cfg.TableLimitElems = maxTableElems
	}
	if cfg.StackSize == 0 {
		cfg.StackSize = abi.DefaultStackSize
	}
	if cfg.MemoryPoolSize == 0 {
		cfg.MemoryPoolSize = 64
	}
	if cfg.MemoryPoolResident == 0 {
		cfg.MemoryPoolResident = 128 << 20
	}
	if cfg.MaxArtifactSize <= 0 {
		cfg.MaxArtifactSize = DefaultMaxArtifactSize
	}
	if cfg.InstancePoolSize == 0 {
		cfg.InstancePoolSize = 16
	}
	h := artifact.DetectHost()
	h.ABIVersion = abi.Version
	return &Runtime{
		cfg:  cfg,
		pool: native.NewMemoryPool(cfg.MemoryPoolSize, cfg.MemoryPoolResident),
		host: h,
	}
}

// IdleMemory describes idle linear memories kept for reuse: how many, and
// the bytes of zeroed pages they keep resident (part of the process's RSS,
// bounded by Config.MemoryPoolResident per Runtime).
type IdleMemory struct {
	Memories      int
	ResidentBytes int64
}

// IdleMemory is what r's memory pool keeps.
func (r *Runtime) IdleMemory() IdleMemory {
	n, res := r.pool.Idle()
	return IdleMemory{n, int64(res)}
}

// SpareMemory is what the process-wide reserve that outlives Runtimes
// keeps (see Close).
func SpareMemory() IdleMemory {
	n, res := native.IdleSpares()
	return IdleMemory{n, int64(res)}
}

// Close releases the idle pooled memories: a few go to a small process-wide
// reserve that the next Runtime starts from (Runtimes made per request then
// still find warm memory), the rest are unmapped. Instances still open keep
// working.
func (r *Runtime) Close() error { return r.pool.Close() }
