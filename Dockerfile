# rayc's container image: every program (head, worker, executor, job runner, CLI,
# operator, examples) in one image, as charts/ray expects for both `image` and
# `operatorImage`.
#
#   docker build -t rayc:0.1.0 .
#
# Two stages: Debian bookworm with the -dev packages builds and installs into
# /opt/rayc (`cmake --install`, the layout tests/integration/test_install.sh
# checks); bookworm-slim with only the runtime libraries runs it. The package
# lists are checked against what the installed programs link by
# tests/integration/test_dockerfile.sh.
#
# Runs as the numeric non-root user 1000 in group 0, with the directories rayc
# writes group-writable, so it also runs under OpenShift's restricted SCC, which
# picks an arbitrary UID in group 0. tini is PID 1: it forwards SIGTERM to rayc
# (which drains) and reaps orphaned grandchildren of job drivers.

ARG DEBIAN_RELEASE=bookworm

FROM debian:${DEBIAN_RELEASE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      gcc make cmake pkg-config \
      libuv1-dev libhiredis-dev libprotobuf-c-dev protobuf-c-compiler libnng-dev \
      libjemalloc-dev libcurl4-openssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY shared/ shared/
COPY head/ head/
COPY worker/ worker/
COPY tools/ tools/
COPY dashboard/ dashboard/
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DRC_TESTS=OFF -DRC_WERROR=ON \
 && cmake --build /build -j"$(nproc)" \
 && cmake --install /build --prefix /opt/rayc --strip

FROM debian:${DEBIAN_RELEASE}-slim
# runtime-packages: begin (tests/integration/test_dockerfile.sh reads this list)
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libuv1 libhiredis0.14 libprotobuf-c1 libnng1 libjemalloc2 libcurl4 \
      ca-certificates unzip tini \
 && rm -rf /var/lib/apt/lists/*
# runtime-packages: end
COPY --from=build /opt/rayc /opt/rayc
RUN useradd --uid 1000 --gid 0 --home-dir /home/rayc --create-home --shell /bin/sh rayc \
 && mkdir -p /tmp/ray /ray-storage \
 && chgrp -R 0 /tmp/ray /ray-storage /home/rayc \
 && chmod -R g=u /tmp/ray /ray-storage /home/rayc
ENV PATH=/opt/rayc/bin:${PATH} \
    HOME=/home/rayc
USER 1000:0
WORKDIR /home/rayc
# GCS (Redis protocol), dashboard and Jobs API, Ray Client port
EXPOSE 6379 8265 10001
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["rayc", "--help"]
