# A slim image that migrates the database and serves the application on port 8000.
#   docker build -t bangfu .
#   docker run -p 8000:8000 -v bangfu-data:/app/data -e BANGFU_SECRET_KEY=... bangfu
# With PostgreSQL: -e BANGFU_DATABASE_URL=postgresql+psycopg://user:pass@host:5432/bangfu
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    BANGFU_ENVIRONMENT=production

WORKDIR /app
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install . && pip uninstall -y bangfu >/dev/null \
    && useradd --system --home /app --uid 10001 bangfu
COPY alembic.ini ./
COPY migrations ./migrations
COPY static ./static
COPY templates ./templates
RUN mkdir -p /app/data && chown bangfu /app/data

USER bangfu
EXPOSE 8000
VOLUME ["/app/data"]
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["sh", "-c", "python -m app.cli migrate && exec python -m app.cli serve --host 0.0.0.0 --port 8000 --forwarded-allow-ips '*'"]
