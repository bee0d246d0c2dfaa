# briefbot: slim image, non-root, data/ on a volume, token from the environment (BRIEFBOT_TOKEN).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    BRIEFBOT_CONFIG=/app/config.toml

WORKDIR /app
RUN useradd --create-home --uid 10001 briefbot

COPY pyproject.toml README.md ./
COPY bot ./bot
# Bundled data (default feeds, topic, actors) lives outside the volume so a mounted data/ never hides it.
COPY data ./share
RUN pip install . \
    && rm -f ./share/*.db* \
    && printf '%s\n' \
        '[storage]' 'path = "/app/data/briefbot.db"' \
        '[feeds]' 'defaults_file = "/app/share/feeds.toml"' \
        '[analysis]' 'topic_file = "/app/share/topic.toml"' 'actors_file = "/app/share/actors.toml"' \
        > /app/config.toml \
    && mkdir -p /app/data && chown -R briefbot:briefbot /app/data

USER briefbot
VOLUME ["/app/data"]
CMD ["briefbot", "run"]
