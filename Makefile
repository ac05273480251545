# wasiaot — common tasks. `make help` lists them.

SHELL     := /bin/bash
GO        ?= go
BIN       ?= bin
FUZZTIME  ?= 1m
SUITES    ?=
BENCHTIME ?= 1s

.PHONY: help build test spectest fuzz testdata bench lint

help:
	@echo "make build      build bin/wasiaot (pure Go, CGO_ENABLED=0)"
	@echo "make test       the whole test suite (what CI runs)"
	@echo "make spectest   the WebAssembly spec suite alone, per file and total (SUITES=v1,v2,...)"
	@echo "make fuzz       every fuzz target for FUZZTIME each (default $(FUZZTIME))"
	@echo "make testdata   rebuild checked-in test programs (needs clang-16 + wasi-libc)"
	@echo "make bench      benchmarks (BENCHTIME=$(BENCHTIME))"
	@echo "make lint       go vet and a gofmt check"

build:
	CGO_ENABLED=0 $(GO) build -o $(BIN)/wasiaot ./cmd/wasiaot

test:
	CGO_ENABLED=0 $(GO) test ./...

spectest:
	@$(GO) test ./testsuite -run '^TestSpec$$' -count=1 -v -args -suites='$(SUITES)' \
		| grep -v -e '^=== RUN' -e '^--- ' -e '^PASS' -e '^ok ' ; \
		exit $${PIPESTATUS[0]}

# Fuzz targets as package:target pairs; go test fuzzes one target per invocation.
FUZZ_TARGETS = \
	./compiler/wasm:FuzzDecode \
	./compiler/validate:FuzzValidate

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzzing $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test $$pkg -run='^$$' -fuzz="^$$name$$" -fuzztime=$(FUZZTIME) -parallel=1; \
	done

# Checked-in test programs, rebuilt from their sources. Needs clang-16, lld-16, wasi-libc,
# libclang-rt-16-dev-wasm32 (C to wasm32-wasi), wabt (wat2wasm) and Go.
testdata:
	sh wasi/testdata/build.sh
	sh compiler/lower/testdata/build.sh

bench:
	$(GO) test ./... -run='^$$' -bench=. -benchtime=$(BENCHTIME)

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
