FROM alpine
COPY --chmod=abc a b
