# syntax=docker/dockerfile:1
FROM node:20-alpine
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .

# Scratch space that never reaches the layer.
RUN --mount=type=tmpfs,target=/tmp \
    npm pack --pack-destination /tmp && ls -l /tmp

# Size-limited tmpfs mounts, with both target spellings.
RUN --mount=type=tmpfs,target=/root/.cache,size=256m \
    --mount=type=tmpfs,dst=/var/tmp,size=65536 \
    npm test
