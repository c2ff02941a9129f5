FROM debian:bookworm-slim
ENV APP_HOME=/opt/app
ENV APP_USER=app APP_GROUP=app
ENV GREETING="Hello, world" FAREWELL='Good bye $USER'
ENV PATH=$APP_HOME/bin:$PATH
ENV LOG_DIR=${APP_HOME}/logs \
    DATA_DIR=${APP_HOME}/data \
    TMP_DIR=/tmp/app

# Legacy form: the value is the rest of the line, spaces included.
ENV JAVA_OPTS -Xms256m -Xmx512m -Dfile.encoding=UTF-8

ENV PRICE="costs \$5" ESCAPED_SPACE=hello\ world
ENV EMPTY=""
# Within one ENV line every value sees the environment from before the line.
ENV A=1 B=${A:-unset}
ENV C=$A
RUN env | sort
