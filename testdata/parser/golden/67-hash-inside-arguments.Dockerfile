FROM nginx:1.27-alpine
# Only a "#" at the start of a line starts a comment.
LABEL description="Fix for issue #1234" color=#336699
ENV THEME_COLOR=#ffcc00 ANCHOR=docs.html#install
RUN echo "# generated, do not edit" > /etc/nginx/conf.d/generated.conf # the shell sees this comment
RUN echo 'hash: #' && echo \#literal
RUN printf 'location = /health { return 200 "ok\\n"; } # inline\n' >> /etc/nginx/conf.d/generated.conf
HEALTHCHECK CMD wget -qO- http://localhost/#health || exit 1
LABEL org.opencontainers.image.url="https://example.com/#/dashboard"
CMD ["sh", "-c", "echo '#1 ready' && exec nginx -g 'daemon off;'"]
