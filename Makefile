# Shortcuts for the commands in README.md and docs/testing.md; each target is one go command.
.PHONY: run build test test-short ci generate lint lambda

# The version and commit that `b2b version` prints.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)

run:
	go run ./cmd/b2b

build:
	go build -ldflags "-X main.version=$(VERSION) -X main.commit=$(COMMIT)" -o bin/b2b ./cmd/b2b

test:
	go test -race ./...

# The quick tier: -short skips the tests that build and start the real
# binary (servetest.Build) and the browser test; `make test` runs them all.
test-short:
	go test -short ./...

ci:
	bash .ci/run

generate:
	go generate ./...

lint:
	go vet ./...
	go tool staticcheck ./...

# The orchestrator Lambda's bootstrap for provided.al2023, on both
# architectures: bin/lambda/arm64/bootstrap and bin/lambda/amd64/bootstrap.
lambda:
	for arch in arm64 amd64; do \
		GOOS=linux GOARCH=$$arch CGO_ENABLED=0 go build -trimpath -tags lambda.norpc -ldflags "-s -w" \
			-o bin/lambda/$$arch/bootstrap ./lambda || exit 1; \
	done

# The load benchmark of docs/benchmarks.md: builds cmd/b2b, creates and
# drops the database b2b_bench on the MariaDB/MySQL at 127.0.0.1:3306 (root,
# no password) and runs every scenario at concurrency 1, 8, 32 and 128.
# Smoke run: make bench BENCH_FLAGS=-quick. Flags: go run ./bench -h.
.PHONY: bench
bench:
	cd graph/federation && npm ci --no-audit --no-fund --loglevel=error
	go run ./bench $(BENCH_FLAGS)
