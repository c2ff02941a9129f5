FROM alpine:3.20

# Empty and whitespace-only lines inside a continuation are skipped
# (BuildKit warns about them, but accepts them).
RUN apk add --no-cache \
    bash \

    curl \
    
    jq

LABEL a=1 \

      b=2



CMD ["bash"]
