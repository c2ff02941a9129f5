# syntax=docker/dockerfile:1
FROM debian:bookworm-slim

# The heredoc is the whole script.
RUN <<EOF
set -eux
apt-get update
apt-get install -y --no-install-recommends curl ca-certificates

# Blank lines and "#" lines inside a heredoc belong to the script.
rm -rf /var/lib/apt/lists/*
EOF

# The heredoc is stdin of a named interpreter.
ARG GREETING=hello
RUN <<EOT bash
  set -e
  echo "${GREETING} from bash $BASH_VERSION"
EOT

# The heredoc is a redirection inside an ordinary shell command.
RUN cat <<EOF > /etc/motd
Welcome to $(hostname)
Built with a heredoc.
EOF

# Flags still come before the heredoc.
RUN --mount=type=cache,target=/var/cache/apt <<EOF
ls /var/cache/apt
EOF
