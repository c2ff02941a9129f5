# syntax=docker/dockerfile:1
FROM nginx:1.27-alpine

# Two heredocs, each named after the file it becomes.
COPY <<robots.txt <<humans.txt /usr/share/nginx/html/
User-agent: *
Disallow: /admin/
robots.txt
/* TEAM */
Engineer: Jane Doe
Site: https://example.com
humans.txt

# Two heredocs on one RUN line, each feeding its own command.
RUN <<FILE1 cat > /tmp/file1 && <<FILE2 cat > /tmp/file2
I am
first
FILE1
I am
second
FILE2

# A heredoc on another file descriptor next to stdin.
RUN 3<<KEYS <<VALUES paste -d= /dev/fd/3 - > /etc/nginx/app.env
HOST
PORT
KEYS
0.0.0.0
8080
VALUES
