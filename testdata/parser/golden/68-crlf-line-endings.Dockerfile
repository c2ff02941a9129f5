# This file was saved with CRLF line endings by a Windows editor.
FROM alpine:3.20
RUN apk add --no-cache curl \
    && curl --version
ENV GREETING="hello from windows"
LABEL note="crlf line endings"
WORKDIR /app
COPY . /app
EXPOSE 8080/tcp
CMD ["sh", "-c", "echo $GREETING"]
