FROM alpine:3.20
# Escapes in JSON strings: quotes, backslash, tab, unicode, slash.
RUN ["sh", "-c", "printf '%s\\n' \"it's \\\"quoted\\\"\" > /quoted.txt"]
CMD ["echo", "tab\there", "back\\slash", "caf\u00e9", "a\/b"]
# Spaces around brackets and commas.
ENTRYPOINT [ "/bin/sh" , "-c" ]
VOLUME [ "/data" ]
# Looks like JSON but is not (shell test brackets): shell form.
RUN [ -d /data ] || mkdir -p /data
HEALTHCHECK CMD [ -f /tmp/ready ]
# A different shell for the remaining shell-form instructions.
SHELL ["/bin/ash", "-eo", "pipefail", "-c"]
RUN echo "now running under ash"
