# Savor service image: the same `savor serve` that `make run` starts, as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    SAVOR_HOST=0.0.0.0 \
    SAVOR_PORT=8000 \
    SAVOR_DATA_DIR=/data \
    SAVOR_LOG_FORMAT=json

# /data holds the study secrets: for the service user alone, as `savor` itself makes it.
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin savor \
    && mkdir -p /data && chown savor /data && chmod 0700 /data

WORKDIR /app
# The source tree stays in /app: migrations/, pwa/ and console/ are found beside the package.
COPY pyproject.toml README.md alembic.ini ./
COPY backend ./backend
COPY migrations ./migrations
COPY pwa ./pwa
COPY console ./console
RUN pip install --no-compile -e .

USER savor
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4).status == 200 else 1)"

CMD ["savor", "serve"]
