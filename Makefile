# The two commands a new machine needs: `make demo` and `make test`. Everything else is for developers.
GO ?= go
BIN := bin/ficus

.PHONY: build demo test test-deps vet fmt bench-proxy clean

build:
	$(GO) build -trimpath -o $(BIN) ./cmd/ficus

# demo builds ficus and the example services and runs the guided end-to-end demo.
# DEMO_FLAGS=--keep leaves everything running afterwards so you can look around.
demo: build
	$(GO) run ./examples/demo --ficus $(BIN) $(DEMO_FLAGS)

# test installs what the tests need (Debian packages) when it is missing, then runs every test.
test: test-deps
	$(GO) vet ./...
	$(GO) test -race -timeout 12m ./...

test-deps:
	@scripts/test-deps.sh

fmt:
	gofmt -w $$(git ls-files '*.go')

# bench-proxy runs ../shared/bench/proxy-peers.sh with ficus as a candidate (see docs/benchmarks.md).
bench-proxy: build
	scripts/bench-proxy.sh

clean:
	rm -rf bin
