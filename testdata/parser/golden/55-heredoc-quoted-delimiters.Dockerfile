# syntax=docker/dockerfile:1
FROM alpine:3.20
ARG VERSION=1.2.3
ENV APP=demo

# Unquoted: build variables are expanded in COPY/ADD heredocs.
COPY <<EOF /etc/app/expanded.txt
app=${APP} version=${VERSION}
EOF

# Double-quoted delimiter: no expansion.
COPY <<"EOF" /etc/app/literal-double.txt
app=${APP} version=${VERSION}
EOF

# Single-quoted delimiter: no expansion either.
COPY <<'EOF' /etc/app/literal-single.txt
literal $APP and ${VERSION:-none}
EOF

# Quoted delimiter on a RUN script.
RUN <<'SCRIPT'
echo "HOME is $HOME and the app is $APP"
SCRIPT

# Dash and quotes together.
COPY <<-"END" /etc/app/chomped-literal.txt
	keep $APP as written
	END
