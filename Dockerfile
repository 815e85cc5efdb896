# syntax=docker/dockerfile:1
# Build: a static binary (no cgo), so the runtime image needs no libc.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/entrepairs . \
 && mkdir -m 0700 /out/data

# Run: distroless static, non-root. Time-zone data is embedded in the binary
# too (time/tzdata), and shipped here for tools that read /usr/share/zoneinfo.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /usr/share/zoneinfo /usr/share/zoneinfo
COPY --from=build /out/entrepairs /app/entrepairs
# The data directory belongs to the non-root user, mode 0700.
COPY --from=build --chown=65532:65532 /out/data /data
COPY config.yaml charter.md charter.en.md resources.yaml /app/
WORKDIR /app
# State (the bbolt file) lives in the volume; point storage.path at it.
ENV ENTREPAIRS_STORAGE_PATH=/data/entrepairs.db \
    ENTREPAIRS_HEALTH_LISTEN=127.0.0.1:8080
VOLUME ["/data"]
# The image has no shell: the binary asks its own health endpoint.
HEALTHCHECK --interval=1m --timeout=10s --start-period=30s \
  CMD ["/app/entrepairs", "health", "--config", "/app/config.yaml"]
USER nonroot:nonroot
ENTRYPOINT ["/app/entrepairs"]
CMD ["run", "--config", "/app/config.yaml"]
