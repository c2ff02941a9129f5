FROM python:3.12-slim
RUN ["python", "-m", "pip", "install", "--no-cache-dir", "httpie==3.2.2"]
RUN ["/bin/sh", "-c", "echo exec form through a shell && python --version"]
RUN --mount=type=cache,target=/root/.cache/pip ["pip", "install", "rich==13.7.1"]
WORKDIR /srv
COPY server.py .
ENTRYPOINT ["python", "-u", "server.py"]
CMD ["--port", "8000", "--log-level", "info"]
