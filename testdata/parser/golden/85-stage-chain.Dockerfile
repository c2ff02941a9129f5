# Each stage starts FROM the one before it.
FROM ubuntu:24.04 AS os
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*

FROM os AS runtime-deps
RUN apt-get update \
    && apt-get install -y --no-install-recommends libssl3 libsqlite3-0 \
    && rm -rf /var/lib/apt/lists/*

FROM runtime-deps AS dev
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential libssl-dev libsqlite3-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN make release PREFIX=/opt/app && make install PREFIX=/opt/app

FROM runtime-deps AS prod
COPY --from=dev /opt/app /opt/app
ENV PATH=/opt/app/bin:$PATH
RUN useradd --system --uid 999 app
USER app
ENTRYPOINT ["app"]
