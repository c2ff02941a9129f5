FROM debian:bookworm-slim
RUN apt-get update \
# Build tools
    && apt-get install -y --no-install-recommends \
        gcc \
        # make is needed for the vendored libraries
        make \
        libc6-dev \
    # clean up to keep the layer small
    && rm -rf /var/lib/apt/lists/*

ENV A=1 \
    # a comment between two pairs
    B=2

# A comment directly before an instruction
#and one without a space after the hash
LABEL stage=final
