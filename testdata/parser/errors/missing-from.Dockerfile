# a recipe without a stage
ARG VERSION=1
