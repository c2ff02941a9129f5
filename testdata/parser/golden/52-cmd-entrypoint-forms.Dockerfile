FROM ubuntu:24.04 AS shell-entrypoint
# Shell form: runs as /bin/sh -c, exec keeps top as PID 1.
ENTRYPOINT exec top -b

FROM alpine:3.20 AS shell-cmd
CMD echo "Hello from $HOSTNAME" && sleep 1

FROM alpine:3.20 AS exec-pair
ENTRYPOINT ["/bin/ping", "-c", "3"]
CMD ["localhost"]

FROM exec-pair AS cleared
# Empty JSON arrays reset what the parent stage set.
ENTRYPOINT []
CMD []

FROM alpine:3.20 AS cmd-params-only
COPY entrypoint.sh /
ENTRYPOINT ["/entrypoint.sh"]
CMD ["--verbose", "--config=/etc/app.yaml"]
