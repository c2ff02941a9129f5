# syntax=docker/dockerfile:1
# frontend, backend, docs and migrations share nothing and can build at once.
FROM node:20-alpine AS frontend
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci
COPY web/ .
RUN npm run build

FROM golang:1.22-alpine AS backend
WORKDIR /api
COPY api/go.mod api/go.sum ./
RUN go mod download
COPY api/ .
RUN CGO_ENABLED=0 go build -o /out/api .

FROM python:3.12-alpine AS docs
WORKDIR /docs
RUN pip install --no-cache-dir mkdocs-material==9.5.21
COPY docs/ .
RUN mkdocs build --site-dir /out/site

FROM alpine:3.20 AS migrations
COPY db/migrations/ /migrations/
RUN ls /migrations | sort > /migrations/ORDER

FROM alpine:3.20
RUN apk add --no-cache ca-certificates
COPY --from=backend /out/api /usr/local/bin/api
COPY --from=frontend /web/dist /srv/www
COPY --from=docs /out/site /srv/www/docs
COPY --from=migrations /migrations /srv/migrations
EXPOSE 8080
ENTRYPOINT ["api", "--static=/srv/www", "--migrations=/srv/migrations"]
