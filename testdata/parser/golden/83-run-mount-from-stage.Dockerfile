# syntax=docker/dockerfile:1
FROM node:20-alpine AS node-deps
WORKDIR /deps
COPY package.json package-lock.json ./
RUN npm ci

FROM python:3.12-slim AS wheels
RUN pip wheel --wheel-dir /wheels numpy==1.26.4 pandas==2.2.2

FROM python:3.12-slim
# Use files from other stages without copying them into a layer.
RUN --mount=type=bind,from=wheels,source=/wheels,target=/tmp/wheels \
    pip install --no-index --find-links=/tmp/wheels numpy pandas
RUN --mount=type=bind,from=node-deps,source=/deps/node_modules,target=/opt/node_modules \
    ls /opt/node_modules | wc -l
RUN --mount=type=cache,id=npm,from=node-deps,source=/root/.npm,target=/root/.npm \
    ls /root/.npm
