# syntax=docker/dockerfile:1
#
# The b2b binary in a small image: a static Go build, then distroless with
# nothing but the binary, running as a non-root user.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) \
#                --build-arg COMMIT=$(git rev-parse HEAD) -t b2b-orders/platform .
#   docker run --rm -p 3001-3003:3001-3003 -p 4000:4000 b2b-orders/platform
#
# With no DB_DRIVER it serves every role over the embedded store in /data
# (mount a volume there to keep it); docker-compose.yml runs one role per
# container over MySQL. cmd/b2b/dockerfile_test.go checks this file.

ARG GO_VERSION=1.26

# The build runs on the builder's own platform and cross-compiles, which is
# fast for multi-platform images since the binary needs no cgo.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src

# Modules first: this layer is rebuilt only when go.mod or go.sum change.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download

COPY . .
ARG TARGETOS TARGETARCH
ARG VERSION=dev
ARG COMMIT=unknown
# CGO_ENABLED=0: a static binary for an image with no libc (the embedded
# store is pure Go). -trimpath and -s -w: no build paths, no symbol tables.
# main.version and main.commit are what `b2b version` prints.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
      -o /out/b2b ./cmd/b2b

# The embedded store's directory (B2B_DATA_DIR), made here because the final
# image has no shell to make it; 0700 as the binary would create it.
RUN install -d -m 0700 /out/data

# distroless/static: CA certificates, tzdata and /etc/passwd, no shell.
FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
ARG COMMIT=unknown
LABEL org.opencontainers.image.title="b2b" \
      org.opencontainers.image.description="B2B order platform: REST, GraphQL and the orchestrator in one binary" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}"

COPY --from=build /out/b2b /b2b
COPY --from=build --chown=65532:65532 /out/data /data
ENV B2B_DATA_DIR=/data

# nonroot (65532) by number, so that runtimes enforcing runAsNonRoot can
# verify it without reading /etc/passwd.
USER 65532:65532

# customers, orders, orchestrator, graph
EXPOSE 3001 3002 3003 4000

# Probes the customers role, which `serve` with no flags runs; compose
# overrides the port per service. The binary probes itself: no shell, no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/b2b", "healthcheck", "--port", "3001"]

ENTRYPOINT ["/b2b"]
CMD ["serve"]
