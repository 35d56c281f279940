# Image for web, worker and beat (see docker-compose.yml).
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext postgresql-client \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The runtime half of the lock that CI tested (requirements/base.txt), every download checked
# against its hash; no development tools in the image.
COPY requirements/base.txt requirements/base.txt
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements/base.txt
COPY . .
COPY --from=assets /src/node_modules ./node_modules
RUN python manage.py compilemessages --ignore=node_modules -v 0 \
    && SECRET_KEY=build-only ALLOWED_HOSTS=build python manage.py collectstatic --no-input -v 0 \
       --settings=custnotes.settings.production
RUN useradd --create-home custnotes && mkdir -p /data && chown custnotes /data
USER custnotes
