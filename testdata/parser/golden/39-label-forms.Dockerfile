FROM alpine:3.20

# Several pairs on one line, quoted values with spaces.
LABEL org.opencontainers.image.title="Label demo" org.opencontainers.image.vendor="ACME Corp" version=1.0

# Quoted keys.
LABEL "com.example.vendor"="ACME Incorporated" "com.example.release-notes"="see CHANGELOG.md"

# A value continued over two lines.
LABEL description="This text illustrates \
that label-values can span multiple lines."

# One pair per continuation line.
LABEL org.opencontainers.image.source=https://github.com/acme/label-demo \
      org.opencontainers.image.licenses=Apache-2.0 \
      org.opencontainers.image.revision=0123abc

# Legacy form: key, space, then everything else is the value.
LABEL vendor ACME Incorporated

# Empty value; single quotes keep $ literal.
LABEL empty="" single='single quoted $NOT_EXPANDED'

ARG BUILD_DATE=2024-01-01T00:00:00Z
LABEL org.opencontainers.image.created=${BUILD_DATE} build.date.quoted="${BUILD_DATE}"
