# Base image for small Node services: a child Dockerfile needs only a FROM line.
FROM node:20-bookworm-slim

RUN mkdir -p /usr/src/app
WORKDIR /usr/src/app

ONBUILD ARG NODE_ENV=production
ONBUILD ENV NODE_ENV $NODE_ENV
ONBUILD COPY package.json package-lock.json* /usr/src/app/
ONBUILD RUN npm ci && npm cache clean --force
ONBUILD COPY . /usr/src/app

CMD [ "npm", "start" ]
