# syntax=docker/dockerfile:1
# The mistral-gate image the GitHub Action runs: one static binary and CA certificates
# on an empty base (target: under 20 MB).
#
# Static musl build: on Alpine the Rust target is x86_64/aarch64-unknown-linux-musl and
# links statically by default. TLS is rustls with the ring provider (reqwest and
# octocrab), so there is no OpenSSL to link; ring and the tree-sitter grammars are C
# compiled by gcc against musl-dev. Both HTTP clients trust the Mozilla roots compiled
# into the binary (webpki-roots); the CA bundle is copied for anything that reads
# SSL_CERT_FILE and so that the image behaves like any other TLS client image.
#
# The release builds it natively on linux/amd64 and linux/arm64 runners and joins both
# in one multi-arch index (.github/workflows/release.yml); the build stage's Rust target
# is the runner's own.
#
# Build: docker build -t mistral-gate .
# Run:   docker run --rm -v "$PWD:/repo" -w /repo mistral-gate check .

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-alpine AS build
# hadolint ignore=DL3018
RUN apk add --no-cache musl-dev gcc ca-certificates
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
# Embedded in the binary with include_str! (the bundled model catalogue).
COPY data ./data
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin mistral-gate \
    && cp target/release/mistral-gate /mistral-gate \
    && /mistral-gate --version

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /mistral-gate /usr/local/bin/mistral-gate
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
# GitHub runs container actions as root with the workspace mounted at
# /github/workspace and the runner's files (GITHUB_OUTPUT, ...) under /github: a
# non-root USER could not write them, so none is set. Reports the gate writes into the
# workspace are handed to the workspace's owner (src/report_file.rs), so the runner's
# own user can still clean them up.
WORKDIR /github/workspace
ENTRYPOINT ["/usr/local/bin/mistral-gate"]
CMD ["check", "."]
