FROM busybox:1.36

RUN adduser -D -H -u 1000 www
COPY --chown=1000:1000 public/ /www/
COPY httpd.conf /etc/httpd.conf

EXPOSE 8080
USER www
CMD ["httpd", "-f", "-v", "-p", "8080", "-h", "/www", "-c", "/etc/httpd.conf"]
