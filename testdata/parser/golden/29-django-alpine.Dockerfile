# syntax=docker/dockerfile:1
FROM python:3.12-alpine

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /code
COPY requirements.txt .
RUN --mount=type=cache,target=/root/.cache/pip \
    apk add --no-cache --virtual .build-deps gcc musl-dev postgresql-dev libffi-dev \
    && pip install -r requirements.txt \
    && runDeps="$( \
        scanelf --needed --nobanner --recursive /usr/local \
            | awk '{ gsub(/,/, "\nso:", $2); print "so:" $2 }' \
            | sort -u \
            | xargs -r apk info --installed \
            | sort -u \
    )" \
    && apk add --no-cache --virtual .rundeps $runDeps \
    && apk del .build-deps

COPY . .
RUN DJANGO_SETTINGS_MODULE=mysite.settings.build python manage.py collectstatic --noinput
RUN addgroup -S django && adduser -S -G django django && chown -R django:django /code
USER django
EXPOSE 8000
CMD ["gunicorn", "mysite.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
