# syntax=docker/dockerfile:1
FROM alpine:3.20
RUN addgroup -S -g 1000 app && adduser -S -u 1000 -G app app
WORKDIR /srv

COPY config.yaml /etc/app/
COPY --chown=app:app src/ /srv/src/
COPY --chown=1000:1000 data/seed.sql /srv/data/
COPY --chown=app data/fixtures/ /srv/fixtures/
COPY --chmod=0755 scripts/entrypoint.sh /usr/local/bin/entrypoint
COPY --chmod=u=rwx,g=rx,o= scripts/healthcheck.sh /usr/local/bin/healthcheck
COPY --chown=1000:1000 --chmod=640 secrets.example.env /srv/.env
COPY --link --chown=1000:1000 static/ /srv/static/
COPY --link vendor/ /srv/vendor/
COPY --link=true --chmod=444 LICENSE /usr/share/licenses/app/LICENSE

# JSON form for paths with spaces.
COPY ["docs/User Guide.pdf", "docs/Release Notes.txt", "/srv/docs/"]
COPY ["assets/My Logo.png", "/srv/static/logo.png"]

# Wildcards.
COPY *.json /srv/
COPY conf.d/*.conf /etc/app/conf.d/
COPY locale/??.po /srv/locale/
COPY templates/[a-m]*.html /srv/templates/

HEALTHCHECK CMD ["/usr/local/bin/healthcheck"]
ENTRYPOINT ["/usr/local/bin/entrypoint"]
