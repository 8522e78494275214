# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production
WORKDIR /app
RUN useradd --create-home --uid 1000 plenary
COPY pyproject.toml ./
RUN mkdir -p apps config && touch apps/__init__.py config/__init__.py \
    && pip install --upgrade pip && pip install .
COPY . .
# collectstatic needs settings but no secrets or services: give it throwaway values.
RUN SECRET_KEY=collectstatic ALLOWED_HOSTS=localhost DATABASE_URL=postgres://x@localhost/x \
    REDIS_URL=redis://localhost:6379/0 python manage.py collectstatic --no-input -v 0
USER plenary
EXPOSE 8000
CMD ["uvicorn", "config.asgi:application", "--host", "0.0.0.0", "--port", "8000", \
     "--ws", "websockets-sansio", "--ws-per-message-deflate", "false", "--ws-max-size", "65536", \
     "--proxy-headers", "--forwarded-allow-ips", "*", "--lifespan", "off"]
