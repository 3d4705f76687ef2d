# Emergency Compliance Portal — one image for web, worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1

# WeasyPrint needs Pango and HarfBuzz; fonts-noto-cjk gives the PDFs a real Chinese font
# (without one WeasyPrint silently prints boxes); gettext compiles the zh-hans catalog.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN if [ -f locale/zh_Hans/LC_MESSAGES/django.po ]; then python manage.py compilemessages -l zh_Hans; fi \
    && SECRET_KEY=build-only python manage.py collectstatic --noinput

RUN useradd --create-home --uid 1000 portal && mkdir -p /app/media && chown portal /app/media
USER portal

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
