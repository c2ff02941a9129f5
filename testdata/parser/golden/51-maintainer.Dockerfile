FROM debian:bookworm-slim
MAINTAINER Jane Doe <jane.doe@example.com>
LABEL org.opencontainers.image.authors="Jane Doe <jane.doe@example.com>"
RUN apt-get update && apt-get install -y --no-install-recommends figlet && rm -rf /var/lib/apt/lists/*
CMD ["figlet", "hello"]
