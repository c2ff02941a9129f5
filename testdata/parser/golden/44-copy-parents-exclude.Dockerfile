# syntax=docker/dockerfile:1
FROM node:20-alpine AS build
WORKDIR /repo
# Keep the directory structure of each manifest, so workspaces resolve.
COPY --parents package.json package-lock.json packages/*/package.json apps/*/package.json ./
RUN npm ci --workspaces --include-workspace-root
COPY --exclude=*.md --exclude=**/__tests__ . .
RUN npm run build --workspaces

FROM node:20-alpine
WORKDIR /app
# The ./ marks where the kept part of the path starts.
COPY --from=build --parents /repo/./apps/*/dist /app/
COPY --from=build --exclude=*.md --exclude=*.map /repo/node_modules /app/node_modules
COPY --parents=true --exclude=**/*.test.js apps/*/server.js /app/
CMD ["node", "apps/api/server.js"]
