# callqa as a container image, for the Kubernetes manifests in deploy/
# (make image builds and tags it; see the README's "Deploying").
#
# Two stages: the binary is pure Go (CGO_ENABLED=0, statically linked),
# built in the golang image and copied into a slim Debian for its time zones.
# The jieba dictionaries, the default lexicon and the page templates are
# embedded in the binary: nothing else is copied.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-X main.version=${VERSION}" -o /out/callqa ./cmd/callqa

FROM debian:bookworm-slim
# tzdata so that the CronJob's "yesterday" is the call centre's (without it
# TZ=Asia/Shanghai silently means UTC).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tzdata \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/callqa /usr/local/bin/callqa
# Not root: the pods' fsGroup makes the result volume writable.
USER 10001:10001
ENTRYPOINT ["callqa"]
