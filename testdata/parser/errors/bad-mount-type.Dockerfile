FROM alpine
RUN --mount=type=magic,target=/x true
