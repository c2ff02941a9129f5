# Base image for ACME Flask services; a child image only needs a FROM line.
FROM python:3.12-slim
LABEL org.opencontainers.image.description="ACME Flask base (ONBUILD)"
WORKDIR /app

ONBUILD ARG PIP_INDEX_URL=https://pypi.org/simple
ONBUILD COPY requirements.txt /app/
ONBUILD RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt
ONBUILD COPY --chown=nobody:nogroup . /app
ONBUILD ENV FLASK_APP=app.py FLASK_RUN_PORT=5000
ONBUILD LABEL com.acme.flask-base="true"
ONBUILD EXPOSE 5000
ONBUILD WORKDIR /app
ONBUILD USER nobody
ONBUILD VOLUME ["/app/instance"]
ONBUILD STOPSIGNAL SIGINT
ONBUILD HEALTHCHECK --interval=1m --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://localhost:5000/')"
ONBUILD ENTRYPOINT ["flask"]
ONBUILD CMD ["run", "--host=0.0.0.0"]
onbuild run echo "lower-case trigger"

CMD ["python3"]
