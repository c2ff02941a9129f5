FROM postgres:16
ENV BACKUP_DIR=/backups
VOLUME /var/lib/postgresql/data
VOLUME ["/var/log/postgresql", "/run/postgresql"]
VOLUME /srv/a /srv/b /srv/c
VOLUME ${BACKUP_DIR}
VOLUME ["${BACKUP_DIR}/archive"]
