# syntax=docker/dockerfile:1
FROM debian:bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        cmake \
        g++ \
        libboost-program-options-dev \
        libssl-dev \
        ninja-build \
        zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY src/ src/
COPY include/ include/
RUN --mount=type=cache,target=/src/build \
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/opt/app \
    && cmake --build build --parallel \
    && cmake --install build

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libboost-program-options1.74.0 libssl3 zlib1g \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/app /opt/app
ENV PATH=/opt/app/bin:$PATH
ENTRYPOINT ["app"]
CMD ["--help"]
