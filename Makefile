# make test   every check CI runs: format, vet, staticcheck, race tests (the
#             Lambda emulator ones included), the side modules, short fuzzing
# make demo   runs examples/apigw under the Lambda Runtime Interface Emulator
# make bench  the side-by-side benchmarks, 10 runs each, compared with benchstat
# make bench-redact  BenchmarkRedact alone, its rows interleaved run by run

GO        ?= go
FUZZTIME  ?= 10s
BENCHTIME ?= 1s
COUNT     ?= 10
SIDE_MODULES := bench interop integration

export CGO_ENABLED ?= 1

.PHONY: test tools lint vet staticcheck fmt-check unit side fuzz demo bench bench-redact

test: lint unit side fuzz

lint: fmt-check vet staticcheck

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	@for m in $(SIDE_MODULES); do (cd $$m && $(GO) vet ./...) || exit 1; done

# Tools are built from the versions pinned in tools/go.mod.
BIN := $(CURDIR)/.bin
$(BIN)/%: tools/go.mod tools/go.sum
	$(GO) -C tools build -o $(BIN)/ $$($(GO) -C tools list -f '{{.ImportPath}}' tool | grep '/$*$$')

staticcheck: $(BIN)/staticcheck
	$(BIN)/staticcheck ./...
	@for m in $(SIDE_MODULES); do (cd $$m && $(BIN)/staticcheck ./...) || exit 1; done

unit:
	$(GO) test -race -count=1 ./...

# A side module with a package-lock.json (interop: the ESDK for JavaScript
# oracle) gets its npm packages first, exactly as locked.
side:
	@for m in $(SIDE_MODULES); do \
	  if [ -f $$m/package-lock.json ]; then (cd $$m && npm ci --ignore-scripts --no-audit --no-fund) || exit 1; fi; \
	  (cd $$m && $(GO) test -race -count=1 ./...) || exit 1; \
	done

# Every Fuzz target of the library, each for FUZZTIME.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
	    GO=$(GO) sh scripts/fuzz.sh $(FUZZTIME) $$pkg $$f || exit 1; \
	  done; \
	done

demo:
	$(GO) run ./internal/cmd/demo

bench:
	cd bench && $(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) -count $(COUNT) ./... | tee $(CURDIR)/bench/results.txt
	$(MAKE) $(BIN)/benchstat
	$(BIN)/benchstat bench/results.txt

# One round runs every row once; a shared machine's load then weighs on all
# rows alike, where -count would time each row's runs minutes apart.
bench-redact:
	cd bench && $(GO) test -c -o redact.test . && rm -f redact.txt && for i in $$(seq $(COUNT)); do \
		./redact.test -test.run '^$$' -test.bench BenchmarkRedact -test.benchtime $(BENCHTIME) -test.benchmem -test.count 1 >> redact.txt || exit 1; \
	done; rm -f redact.test
	$(MAKE) $(BIN)/benchstat
	$(BIN)/benchstat bench/redact.txt
