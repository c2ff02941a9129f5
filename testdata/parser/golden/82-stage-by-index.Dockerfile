# Unnamed stages, referred to by their index.
FROM golang:1.22-alpine
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -ldflags="-s -w" -o /bin/hello ./cmd/hello

FROM alpine:3.20
RUN apk add --no-cache upx
COPY --from=0 /bin/hello /bin/hello
RUN upx --best /bin/hello

FROM scratch
COPY --from=1 /bin/hello /hello
COPY --from=0 /src/LICENSE /LICENSE
ENTRYPOINT ["/hello"]
