# syntax=docker/dockerfile:1
FROM alpine:3.20
RUN adduser -D -u 1000 app

ADD <<EOF /etc/motd
Welcome to the build box.
EOF

ADD --chmod=0755 <<'EOF' /usr/local/bin/hello
#!/bin/sh
echo "hello, ${1:-world}"
EOF

COPY --chown=1000:1000 --chmod=0600 <<EOF /home/app/.config/app/config.toml
[database]
url = "postgres://db:5432/app"
pool = 5
EOF

COPY --link <<EOF /etc/profile.d/app.sh
export APP_HOME=/home/app
EOF

USER app
CMD ["hello", "app"]
