# gis-outage production image: the web app, Celery workers and beat all run from it.
#   docker build -t gis-outage .
#   docker run --rm gis-outage --help
# GDAL, GEOS and PROJ come inside the pyogrio/shapely/pyproj wheels, so no apt GDAL;
# espeak-ng speaks voice messages.

FROM python:3.11-slim-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/gis-outage
ENV PATH=/opt/gis-outage/bin:$PATH PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# The versions uv.lock pins, with their hashes; then the project itself without resolving.
COPY deploy/requirements.txt ./deploy/requirements.txt
RUN pip install --require-hashes -r deploy/requirements.txt
COPY pyproject.toml README.md ./
COPY gis_outage ./gis_outage
COPY map_server ./map_server
COPY notifier ./notifier
RUN pip install --no-deps .

FROM python:3.11-slim-bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends espeak-ng \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --user-group --create-home \
        --home-dir /var/lib/gis-outage gis-outage
COPY --from=build /opt/gis-outage /opt/gis-outage
ENV PATH=/opt/gis-outage/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    GIS_OUTAGE_DATA_DIR=/var/lib/gis-outage
USER gis-outage
WORKDIR /var/lib/gis-outage
VOLUME ["/var/lib/gis-outage"]
EXPOSE 8000
ENTRYPOINT ["gis-outage"]
CMD ["--help"]
