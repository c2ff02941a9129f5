# syntax=docker/dockerfile:1
ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-alpine AS base
WORKDIR /app
COPY package.json package-lock.json ./

FROM base AS deps-prod
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev

FROM base AS deps-dev
RUN --mount=type=cache,target=/root/.npm npm ci

FROM deps-dev AS build
COPY . .
RUN npm run build

FROM deps-dev AS lint
COPY . .
RUN npm run lint -- --format junit --output-file /reports/lint.xml

FROM deps-dev AS test
COPY . .
RUN --mount=type=tmpfs,target=/tmp \
    npm test -- --reporter=junit --reporter-options output=/reports/test.xml

# What CI builds: only the reports, from the lint and test branches.
FROM scratch AS ci-report
COPY --from=lint /reports/ /
COPY --from=test /reports/ /

FROM node:${NODE_VERSION}-alpine AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps-prod /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
CMD ["node", "dist/main.js"]
