# syntax=docker/dockerfile:1

# Production dependencies only.
FROM node:20-bookworm-slim AS deps
WORKDIR /usr/src/app
COPY package*.json ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --omit=dev

# Full install plus the TypeScript build.
FROM node:20-bookworm-slim AS build
WORKDIR /usr/src/app
COPY package*.json tsconfig.json ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci
COPY src ./src
RUN npm run build

FROM gcr.io/distroless/nodejs20-debian12
WORKDIR /app
COPY --from=deps /usr/src/app/node_modules ./node_modules
COPY --from=build /usr/src/app/dist ./dist
COPY package.json ./
ENV NODE_ENV=production
USER 65532:65532
EXPOSE 3000
CMD ["dist/index.js"]
