# syntax=docker/dockerfile:1
FROM alpine:3.20

# <<- strips leading tabs from the body and from the closing delimiter.
RUN <<-EOF
	set -e
	if [ -d /etc/apk ]; then
		echo "alpine $(cat /etc/alpine-release)"
	fi
	EOF

COPY <<-EOF /etc/app/app.conf
	[server]
	port = 8080
		# nested tabs are stripped too
	host = 0.0.0.0
	EOF

# Without the dash, tabs are kept.
COPY <<EOF /etc/app/Makefile
all:
	@echo building
EOF
