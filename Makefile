# Shortcuts for the commands in README.md; each target is one go command.
.PHONY: run build test ci generate lint

# The version and commit that `b2b version` prints.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)

run:
	go run ./cmd/b2b

build:
	go build -ldflags "-X main.version=$(VERSION) -X main.commit=$(COMMIT)" -o bin/b2b ./cmd/b2b

test:
	go test -race ./...

ci:
	bash .ci/run

generate:
	go generate ./...

lint:
	go vet ./...
	go tool staticcheck ./...
