FROM nginx:1.27 AS web
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --start-interval=2s --retries=5 \
  CMD curl -fsS http://localhost/ || exit 1

FROM redis:7 AS cache
HEALTHCHECK --interval=10s --timeout=3s CMD ["redis-cli", "ping"]

FROM node:20-alpine AS api
HEALTHCHECK CMD node -e "require('http').get('http://localhost:3000/health', r => process.exit(r.statusCode === 200 ? 0 : 1))"

FROM postgres:16 AS db
HEALTHCHECK --interval=5s --timeout=5s --retries=10 --start-period=30s CMD ["pg_isready", "-U", "postgres"]

# Turn off a check inherited from the base image.
FROM web AS web-no-check
HEALTHCHECK NONE
