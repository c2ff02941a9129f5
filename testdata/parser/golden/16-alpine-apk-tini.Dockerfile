FROM alpine:3.20

RUN apk add --no-cache \
        ca-certificates \
        curl \
        jq \
        tini \
    && addgroup -S app \
    && adduser -S -G app -h /home/app -s /sbin/nologin app

COPY --chown=app:app bin/worker /usr/local/bin/worker
COPY --chown=app:app config/ /etc/worker/

ENV WORKER_CONFIG=/etc/worker/worker.yaml \
    WORKER_CONCURRENCY=4

USER app
WORKDIR /home/app
ENTRYPOINT ["/sbin/tini", "--", "/usr/local/bin/worker"]
CMD ["--config", "/etc/worker/worker.yaml"]
