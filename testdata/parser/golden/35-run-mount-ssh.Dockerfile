# syntax=docker/dockerfile:1
FROM alpine:3.20
RUN apk add --no-cache openssh-client git
RUN mkdir -p -m 0700 ~/.ssh && ssh-keyscan gitlab.com >> ~/.ssh/known_hosts

# Default agent socket.
RUN --mount=type=ssh git clone --depth 1 git@gitlab.com:acme/private-lib.git /src/private-lib

# A named agent, at a chosen socket path, with owner and mode, required.
RUN --mount=type=ssh,id=deploy,target=/run/deploy-agent.sock,mode=0600,uid=0,gid=0,required=true \
    SSH_AUTH_SOCK=/run/deploy-agent.sock ssh-add -l

# Optional agent: the step still runs without one.
RUN --mount=type=ssh,id=optional,required=false \
    ssh -o BatchMode=yes -T git@gitlab.com || true
