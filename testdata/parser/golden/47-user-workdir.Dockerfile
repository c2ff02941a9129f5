FROM alpine:3.20
ARG APP_UID=10001
ARG APP_GID=10001
ENV APP_ROOT=/opt/app
RUN addgroup -g ${APP_GID} app && adduser -D -u ${APP_UID} -G app app

# Absolute, then relative to the previous WORKDIR, then from ENV.
WORKDIR /opt
WORKDIR app
WORKDIR releases/current
WORKDIR $APP_ROOT
WORKDIR ${APP_ROOT}/data

# By name, by uid:gid, name:group, from args, and back to root.
USER app
RUN id
USER 10001:10001
USER app:app
USER ${APP_UID}:${APP_GID}
USER root
RUN chown -R app:app /opt/app
USER $APP_UID
CMD ["sh"]
