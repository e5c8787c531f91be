FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends npm curl procps && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt ./
COPY requirements/ requirements/
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN mkdir -p .frontend static/vendor \
    && npm install --silent --no-audit --no-fund --prefix .frontend htmx.org@2.0.11 \
    && cp .frontend/node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js \
    && PARLEY_DEV=true python manage.py collectstatic --noinput
RUN useradd --create-home parley && chown -R parley /app
USER parley
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "config.asgi:application"]
