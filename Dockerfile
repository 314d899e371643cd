# syntax=docker/dockerfile:1
#
# The oet container image: the compiled binary alone on a minimal glibc base.
#
#   docker build -t oet .
#   docker run --rm -e OET_REST_URI=http://oet.example.org:5000/api/v1.0 oet procedure list
#
# NOT BUILT HERE: the machine this was written on has no Docker engine, and
# cannot reach dl.deno.land, which stage 1 needs (see docs/install.md).
#
# Why not Alpine: `deno compile` only makes *-linux-gnu binaries (there is no
# musl target). They are dynamically linked against glibc (ld-linux-*.so,
# libc.so.6, libm, libgcc_s; the Deno 2.9.6 x86_64 binary needs GLIBC_2.27 or
# newer). Alpine has musl, so the kernel finds no ld-linux loader and the
# binary fails with "exec /oet: no such file or directory"; gcompat is not a
# supported substitute for V8. distroless "cc" is glibc + libgcc + CA
# certificates and nothing else (no shell, no package manager).

# ---- stage 1: compile dist/oet with Deno 2.9.6 from npm (the project's way to get Deno) ----
FROM node:20-bookworm-slim AS build
RUN npm install -g deno@2.9.6 && deno --version
ENV DENO_NO_UPDATE_CHECK=1
WORKDIR /src
# Only what the binary is built from (.dockerignore keeps everything else out, .env included).
COPY deno.json deno.lock main.ts ./
COPY src/ src/
COPY scripts/build.ts scripts/permissions.ts scripts/
# --download: let deno compile fetch denort from dl.deno.land (this stage needs that host).
# The build checks the result: dist/oet --version must print the version in deno.json.
RUN deno install --frozen && deno run -A scripts/build.ts --download

# ---- stage 2: the image ----
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/dist/oet /oet
# `.env` is read from the working directory: mount one here (-v "$PWD/.env:/work/.env:ro").
WORKDIR /work
ENTRYPOINT ["/oet"]
CMD ["--help"]

# ---- stage 3 (optional): an image with a shell, for CI jobs ----
# GitLab runs a job's `script:` through a shell inside the job image, which
# distroless does not have:  docker build --target ci -t oet:ci .
# (and in .gitlab-ci.yml: image: {name: oet:ci, entrypoint: [""]})
FROM debian:bookworm-slim AS ci
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
  && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/dist/oet /usr/local/bin/oet
ENTRYPOINT ["oet"]
CMD ["--help"]
