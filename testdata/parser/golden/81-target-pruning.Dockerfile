# Built with --target=test: only base and test are needed.
FROM golang:1.22 AS base
WORKDIR /src
COPY go.* ./
RUN go mod download
COPY . .

FROM base AS lint
RUN go vet ./...

FROM base AS test
RUN go test -race ./...

FROM base AS build
RUN CGO_ENABLED=0 go build -o /out/app .

FROM gcr.io/distroless/static-debian12 AS release
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
