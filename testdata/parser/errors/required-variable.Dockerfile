FROM alpine
WORKDIR ${APP_DIR:?set APP_DIR with --build-arg}
