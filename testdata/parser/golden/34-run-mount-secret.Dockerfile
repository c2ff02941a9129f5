# syntax=docker/dockerfile:1
FROM node:20-alpine
RUN apk add --no-cache curl aws-cli
WORKDIR /app
COPY package.json package-lock.json ./

# Default location /run/secrets/<id>.
RUN --mount=type=secret,id=npmrc \
    NPM_CONFIG_USERCONFIG=/run/secrets/npmrc npm ci

# Explicit target, and the build fails if the secret is not provided.
RUN --mount=type=secret,id=aws,target=/root/.aws/credentials,required=true \
    aws s3 cp s3://acme-artifacts/fixtures.tar.gz /tmp/fixtures.tar.gz

# Exposed as an environment variable instead of a file.
RUN --mount=type=secret,id=github_token,env=GITHUB_TOKEN \
    curl -fsSL -H "Authorization: Bearer $GITHUB_TOKEN" https://api.github.com/repos/acme/app/releases/latest -o /tmp/latest.json

# File mode and ownership of the mounted secret; bare `required`.
RUN --mount=type=secret,id=signing-key,mode=0400,uid=1000,gid=1000,required \
    ls -ln /run/secrets/signing-key

# Only a target: the id defaults to its base name.
RUN --mount=type=secret,target=/run/secrets/api_key \
    test -s /run/secrets/api_key || echo "no api key given"

COPY . .
CMD ["node", "index.js"]
