# A slim image that migrates the database and serves the application on port 8000.
#   docker build -t bangfu .
#   docker run -p 8000:8000 -v bangfu-data:/app/data -e BANGFU_SECRET_KEY=... bangfu
# With PostgreSQL: -e BANGFU_DATABASE_URL=postgresql+psycopg://user:pass@host:5432/bangfu
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    PATH=/opt/venv/bin:$PATH \
    BANGFU_ENVIRONMENT=production

WORKDIR /app
# The dependencies, from the lock file, in a layer of their own: a change to the code reuses it.
RUN pip install "uv==0.13.9"
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-default-groups --no-install-project
COPY README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY static ./static
COPY templates ./templates
# Editable: the app finds templates, static files and migrations beside its package in /app.
RUN uv sync --frozen --no-default-groups \
    && useradd --system --home /app --uid 10001 bangfu \
    && mkdir -p /app/data && chown bangfu /app/data

USER bangfu
EXPOSE 8000
VOLUME ["/app/data"]
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
# Behind a reverse proxy, set BANGFU_TRUSTED_PROXIES to its address (or network) so that the
# login throttle counts the clients' addresses, not the proxy's.
# The worker (background jobs) runs beside the server; with PostgreSQL and Redis it can run in a
# container of its own instead (`bangfu worker` as the command).
CMD ["sh", "-c", "bangfu migrate && { bangfu worker & exec bangfu serve --host 0.0.0.0 --port 8000; }"]
