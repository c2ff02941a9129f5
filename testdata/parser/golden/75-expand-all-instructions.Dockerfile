ARG BASE_IMAGE=alpine
ARG BASE_VERSION=3.20

FROM ${BASE_IMAGE}:${BASE_VERSION} AS base
ARG APP=shop
ARG APP_USER=shop
ARG APP_PORT=8080
ARG STOP=SIGTERM
ARG CONF_SRC=config
ENV APP_HOME=/srv/${APP}
ENV APP_DATA=$APP_HOME/data
LABEL org.opencontainers.image.title=$APP app.port="${APP_PORT}"
RUN adduser -D -h $APP_HOME $APP_USER
WORKDIR ${APP_HOME}
COPY --chown=${APP_USER}:${APP_USER} ${CONF_SRC}/ ${APP_HOME}/etc/
ADD --chown=${APP_USER} ${CONF_SRC}/defaults.tar.gz ${APP_HOME}/defaults/
EXPOSE ${APP_PORT}/tcp
VOLUME ${APP_DATA}
USER ${APP_USER}
STOPSIGNAL ${STOP}
CMD ["sh", "-c", "exec ./${APP}"]
