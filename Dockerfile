# briefbot: slim image, non-root, data/ on a volume, token from the environment (BRIEFBOT_TOKEN).
#
# Reproducible: the base image is an exact tag (the Python the constraints were made with) and
# every runtime dependency is pinned in constraints.txt. For a bit-for-bit base, pin the digest
# too: docker buildx imagetools inspect python:3.11.7-slim-bookworm  →  FROM python:…@sha256:…
# Leave the charts extra (matplotlib, for /chart) out with: --build-arg EXTRAS=
ARG PYTHON_IMAGE=python:3.11.7-slim-bookworm
FROM ${PYTHON_IMAGE}

ARG EXTRAS=charts

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BRIEFBOT_CONFIG=/app/config.toml

WORKDIR /app
RUN useradd --create-home --uid 10001 briefbot

COPY constraints.txt pyproject.toml README.md ./
COPY bot ./bot
# Bundled data (default feeds, topic, actors) lives outside the volume so a mounted data/ never hides it.
COPY data ./share
RUN pip install -c constraints.txt ".${EXTRAS:+[$EXTRAS]}" \
    && pip check \
    && rm -rf ./share/*.db* ./build ./*.egg-info \
    && printf '%s\n' \
        '[storage]' 'path = "/app/data/briefbot.db"' \
        '[feeds]' 'defaults_file = "/app/share/feeds.toml"' \
        '[analysis]' 'topic_file = "/app/share/topic.toml"' 'actors_file = "/app/share/actors.toml"' 'places_file = "/app/share/places.toml"' \
        > /app/config.toml \
    && mkdir -p /app/data && chown -R briefbot:briefbot /app/data

USER briefbot
# Build matplotlib's font cache now, not at the first /chart (only when the extra is installed).
RUN if python -c "import matplotlib" 2>/dev/null; then python -c "import matplotlib.font_manager"; fi

VOLUME ["/app/data"]

# Healthy = the database opens with current migrations and the poll loop ran within --max-age
# (see `briefbot health --help` for the exit codes; Docker wants 0 or 1, hence `|| exit 1`).
HEALTHCHECK --interval=1m --timeout=15s --start-period=2m --retries=3 \
    CMD briefbot health --max-age 30m || exit 1

CMD ["briefbot", "run"]
