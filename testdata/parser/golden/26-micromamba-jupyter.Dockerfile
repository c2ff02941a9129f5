FROM mambaorg/micromamba:1.5.8-bookworm-slim

# Activate the base environment for every RUN below.
ARG MAMBA_DOCKERFILE_ACTIVATE=1
SHELL ["/usr/local/bin/_dockerfile_shell.sh"]

COPY --chown=$MAMBA_USER:$MAMBA_USER env.yaml /tmp/env.yaml
RUN micromamba install --yes --name base --file /tmp/env.yaml \
    && micromamba clean --all --yes

USER root
RUN apt-get update \
    && apt-get install -y --no-install-recommends git tini \
    && rm -rf /var/lib/apt/lists/*
USER $MAMBA_USER

WORKDIR /home/$MAMBA_USER/work
COPY --chown=$MAMBA_USER:$MAMBA_USER notebooks/ ./notebooks/
EXPOSE 8888
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/_entrypoint.sh"]
CMD ["jupyter", "lab", "--ip=0.0.0.0", "--port=8888", "--no-browser"]
