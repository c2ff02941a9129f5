# syntax=docker/dockerfile:1
FROM alpine:3.20

# Inside a heredoc, lines that look like directives, instructions, comments
# or continuations are plain text.
COPY <<'END_OF_DOCKERFILE' /usr/share/templates/Dockerfile.example
# syntax=docker/dockerfile:1
FROM scratch
RUN echo "this is text, not an instruction" \
    && echo "and the backslash above is kept"

END_OF_DOCKERFILE

# An empty heredoc body.
COPY <<EOF /etc/app/empty.conf
EOF

# Only a line that is exactly the delimiter ends the heredoc.
RUN cat <<EOF > /tmp/inside.txt
EOF_NOT_YET
  EOF
an indented delimiter does not end a plain <<EOF
EOF

# An instruction right after a heredoc.
CMD ["cat", "/usr/share/templates/Dockerfile.example"]
