# Global args, before the first FROM, usable in FROM lines.
ARG BASE_IMAGE=debian
ARG BASE_TAG=bookworm-slim
ARG BASE=${BASE_IMAGE}:${BASE_TAG}
ARG NO_DEFAULT

FROM ${BASE} AS base
# A global arg must be redeclared (without a value) to be seen inside a stage.
ARG BASE_TAG
# Several on one line, and a default that refers to an earlier arg.
ARG USER=app UID=1000 GID=1000
ARG HOME_DIR=/home/${USER}
ARG GREETING="hello there"
ARG NO_DEFAULT
RUN echo "base tag: ${BASE_TAG}; no default: ${NO_DEFAULT:-<unset>}; ${GREETING}"
RUN groupadd --gid $GID $USER \
    && useradd --uid $UID --gid $GID --home-dir $HOME_DIR --create-home $USER

FROM base AS final
# Args do not carry over into a child stage; redeclare to use them.
ARG USER=app
ARG HOME_DIR=/home/${USER}
USER ${USER}
WORKDIR ${HOME_DIR}
CMD ["bash"]
