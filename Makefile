# wasiaot — common tasks. `make help` lists them.

SHELL     := /bin/bash
GO        ?= go
BIN       ?= bin
FUZZTIME  ?= 1m
SUITES    ?=
BENCHTIME ?= 1s
DURATION  ?= 10m
DIFFTEST_DIR ?= $(BIN)/difftest

.PHONY: help build test test-arm64 gostd spectest fuzz difftest testdata bench lint demo

help:
	@echo "make build      build bin/wasiaot (pure Go, CGO_ENABLED=0)"
	@echo "make test       the whole test suite (what CI runs)"
	@echo "make test-arm64 the linux/arm64 tests, cross-compiled and run under qemu-aarch64-static"
	@echo "make gostd      Go standard-library tests (wasip1) under wasiaot, with timings"
	@echo "make demo       build a C program to wasm, compile it, run it sandboxed"
	@echo "make spectest   the WebAssembly spec suite alone, per file and total (SUITES=v1,v2,...)"
	@echo "make fuzz       every fuzz target for FUZZTIME each (default $(FUZZTIME))"
	@echo "make difftest   random modules run in wasiaot (-O0/1/2) and wazero, compared (DURATION=$(DURATION))"
	@echo "make testdata   rebuild checked-in test programs (needs clang-16 + wasi-libc)"
	@echo "make bench      benchmarks (BENCHTIME=$(BENCHTIME))"
	@echo "make lint       go vet and a gofmt check"

build:
	CGO_ENABLED=0 $(GO) build -o $(BIN)/wasiaot ./cmd/wasiaot

# The whole test suite: every package, then the Go standard-library test binaries run under
# wasiaot (they take a few minutes: each is built for wasip1 and compiled), then the linux/arm64
# suites under qemu (test-arm64), which fails when qemu-user-static is missing.
test:
	CGO_ENABLED=0 $(GO) test ./...
	CGO_ENABLED=0 $(GO) test ./testsuite -run '^TestGoStdlib$$' -count=1 -timeout 40m -args -gostd
	$(MAKE) --no-print-directory test-arm64

# The linux/arm64 tests: test binaries cross-compiled for arm64 and run, each in its package's
# directory, under qemu-user (QEMU_ARM64). ARM64_PKGS are the packages that run there so far;
# ARM64_SKIP is passed to every binary as -test.skip: TestPageStatesMincore fails under
# qemu-user only (its mincore answers ENOMEM for the reserved range).
QEMU_ARM64 ?= $(shell command -v qemu-aarch64-static || command -v qemu-aarch64)
ARM64_PKGS ?= ./runtime ./runtime/internal/native ./runtime/abi ./runtime/trap ./backend ./backend/arm64
ARM64_SKIP ?= ^TestPageStatesMincore$$
# The spec suite on arm64: every command, the simd_* files (NEON) included. The corpus directory is located on the host
# (the go command is not run from the emulated test binary).
# One process per suite: under qemu-user the memory of one process running every suite grew to
# 12 GB of RSS (v2 alone peaks near 9 GB; natively the suite stays far below that).
ARM64_SPEC_SUITES ?= v1,v2,tail-call,extended-const
# The preemption, interruption, host-call and v128-call tests, the trap backtraces and the kernels
# (-msimd128 builds included, checked against Go references) of the testsuite on arm64 (compiled
# code without polls, stopped by the signal under qemu-user too).
ARM64_TESTSUITE_RUN ?= ^(TestHostCall.*|TestInterrupt.*|TestBacktrace|TestBacktraceLeaves|TestPreemptedGuestSameResult|TestHostCallsUnderPreemption|TestGCWithSpinningGuests|TestV128.*|TestPreemptedSIMDSameResult|TestKernels)$$
# The WASI tests on arm64: the C and Go programs (sandbox-escape attempts included), exit codes,
# stdin, and the path-resolution and symlink-race tests.
# Go standard-library tests on arm64: built for wasip1 and compiled with --target arm64 on the
# host (cross-compiled artifacts), then loaded and run by the arm64 test binary under qemu.
ARM64_GOSTD ?= sort strconv strings bytes bufio container/heap hash/crc32 encoding/base64
ARM64_WASI_RUN ?= ^(TestCPrograms|TestGoProgram|TestExitCodes|TestStdinCopy|TestAbsoluteSymlinks|TestAbsoluteSymlinksBelowPreopen|TestPathOpen|TestReadOnlyPreopen|TestPathOps|TestSymlinkSwapRace|TestAbsoluteSymlinkSwapRace)$$

test-arm64:
	@if [ -z "$(QEMU_ARM64)" ]; then \
		echo "test-arm64: qemu-aarch64-static not found: install qemu-user-static (apt-get install qemu-user-static); no arm64 test ran" >&2; \
		exit 1; \
	fi
	@set -e; dir=$$(mktemp -d); trap 'rm -rf "$$dir"' EXIT; \
	for p in $(ARM64_PKGS); do \
		bin="$$dir/$$(echo $$p | tr -c 'a-zA-Z0-9\n' _).test"; \
		CGO_ENABLED=0 GOARCH=arm64 $(GO) test -c -o "$$bin" $$p; \
		echo "arm64 (qemu): $$p"; \
		(cd $$p && "$(QEMU_ARM64)" "$$bin" -test.timeout 20m -test.skip '$(ARM64_SKIP)'); \
	done; \
	spec=$$($(GO) mod download -json github.com/tetratelabs/wazero@v1.12.0 | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$$/\1/p'); \
	if [ -z "$$spec" ]; then echo "test-arm64: cannot locate the wazero module (spec suite)" >&2; exit 1; fi; \
	CGO_ENABLED=0 GOARCH=arm64 $(GO) test -c -o "$$dir/testsuite.test" ./testsuite; \
	for s in $$(echo $(ARM64_SPEC_SUITES) | tr , ' '); do \
		echo "arm64 (qemu): spec suite $$s"; \
		(cd testsuite && WASIAOT_SPECTEST_DIR="$$spec/internal/integration_test/spectest" \
			"$(QEMU_ARM64)" "$$dir/testsuite.test" -test.timeout 20m -test.run '^TestSpec$$' -suites=$$s); \
	done; \
	echo "arm64 (qemu): testsuite preemption, interruption and host calls"; \
	(cd testsuite && "$(QEMU_ARM64)" "$$dir/testsuite.test" -test.timeout 20m -test.run '$(ARM64_TESTSUITE_RUN)'); \
	CGO_ENABLED=0 GOARCH=arm64 $(GO) test -c -o "$$dir/wasi.test" ./wasi; \
	echo "arm64 (qemu): ./wasi"; \
	(cd wasi && "$(QEMU_ARM64)" "$$dir/wasi.test" -test.timeout 20m -test.run '$(ARM64_WASI_RUN)'); \
	CGO_ENABLED=0 $(GO) build -o "$$dir/wasiaot" ./cmd/wasiaot; \
	mkdir "$$dir/gostd"; pkgs=; \
	for p in $(ARM64_GOSTD); do \
		n=$$(echo $$p | tr / _); \
		GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 $(GO) test -c -o "$$dir/gostd/$$n.wasm" $$p; \
		"$$dir/wasiaot" build --target arm64 "$$dir/gostd/$$n.wasm" -o "$$dir/gostd/$$n.so"; \
		pkgs="$$pkgs$${pkgs:+,}$$p"; \
	done; \
	echo "arm64 (qemu): Go standard-library tests $$pkgs"; \
	(cd testsuite && "$(QEMU_ARM64)" "$$dir/testsuite.test" -test.timeout 20m -test.run '^TestGoStdlib$$' \
		-gostd -gostd.artifacts="$$dir/gostd" -gostd.pkgs="$$pkgs")

# The Go standard-library test binaries alone, with per-package compile and run times.
gostd:
	CGO_ENABLED=0 $(GO) test ./testsuite -run '^TestGoStdlib$$' -count=1 -timeout 40m -v -args -gostd

spectest:
	@$(GO) test ./testsuite -run '^TestSpec$$' -count=1 -v -args -suites='$(SUITES)' \
		| grep -v -e '^=== RUN' -e '^--- ' -e '^PASS' -e '^ok ' ; \
		exit $${PIPESTATUS[0]}

# Fuzz targets as package:target pairs; go test fuzzes one target per invocation.
FUZZ_TARGETS = \
	./compiler/wasm:FuzzDecode \
	./compiler/validate:FuzzValidate \
	./compiler/wat:FuzzParse \
	./compiler/lower:FuzzLower \
	./compiler/ssa:FuzzParse \
	./compiler/opt:FuzzPipeline \
	./runtime/artifact:FuzzParse \
	./runtime/artifact:FuzzMetadata \
	./runtime:FuzzLoadInstantiate

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzzing $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test $$pkg -run='^$$' -fuzz="^$$name$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=10s -parallel=1; \
	done

# Differential execution: random modules (binaryen's wasm-opt -ttf and the runner's own
# generator) run in wasiaot at every optimisation level and in wazero's interpreter, one child
# process at a time; mismatches are saved and reduced in $(DIFFTEST_DIR)/findings. Needs binaryen.
# SEED=N repeats a run (the default seed comes from the clock).
difftest:
	@mkdir -p $(DIFFTEST_DIR)
	CGO_ENABLED=0 $(GO) test ./testsuite/difftest -run '^TestCampaign$$' -count=1 -v -timeout 0 \
		-args -difftest.duration=$(DURATION) -difftest.dir=$(abspath $(DIFFTEST_DIR)) $(if $(SEED),-difftest.seed=$(SEED))

# Checked-in test programs, rebuilt from their sources. Needs clang-16, lld-16, wasi-libc,
# libclang-rt-16-dev-wasm32 (C to wasm32-wasi), wabt (wat2wasm) and Go.
testdata:
	sh wasi/testdata/build.sh
	sh runtime/serve/testdata/build.sh
	sh compiler/lower/testdata/build.sh
	sh compiler/testdata/exec/build.sh
	sh testsuite/testdata/kernels/build.sh

# Micro-benchmarks of the library (compile, instantiate, calls) and the side-by-side comparison
# with other engines on real programs (bench/, its own module; see bench/README.md).
bench:
	$(GO) test ./... -run='^$$' -bench=. -benchtime=$(BENCHTIME)
	cd bench && $(GO) run ./cmd/bench

# A C program (wasi-libc) compiled ahead of time, run in the sandbox, and disassembled.
demo: build
	@mkdir -p $(BIN)/demo
	$(BIN)/wasiaot build -v wasi/testdata/c/argsenv.wasm -o $(BIN)/demo/argsenv.so
	$(BIN)/wasiaot run --env GREETING=hello=world --env EMPTY= $(BIN)/demo/argsenv.so -- one "with space" ""
	$(BIN)/wasiaot objdump --header=false --func main $(BIN)/demo/argsenv.so | head -n 24
	nm $(BIN)/demo/argsenv.so | head -n 5

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
