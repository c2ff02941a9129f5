# syntax=docker/dockerfile:1
# The file starts with a UTF-8 byte order mark; the directive above still counts.
FROM alpine:3.20
LABEL org.opencontainers.image.title="Café ☕ – UTF-8 text"
ENV GREETING="Grüß dich"
RUN echo "$GREETING" > /greeting.txt
CMD ["cat", "/greeting.txt"]
