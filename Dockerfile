# The one image of the gateway and of every service: only sanquan_kernel and the one package named by the build
# argument SERVICE, installed from the source tree so that its Alembic tree (alembic.ini, migrations/) sits where the
# code looks for it. Build from the repository root (docker-compose.yml does this for each service):
#   docker build --build-arg SERVICE=plans --build-arg PORT=8001 -t sanquan-plans .
#   docker build --build-arg SERVICE=gateway --build-arg SERVICE_DIR=gateway --build-arg PORT=8000 -t sanquan-gateway .
# Same entrypoint as `make run`: python -m sanquan_kernel.cli serve (the service named by SANQUAN_SERVICE; it
# migrates first, safe with several replicas, and listens on SANQUAN_PORT).

FROM python:3.11-slim-bookworm AS build
# The service's name (gateway, plans, training, evaluation, hall) and its folder in the repository.
ARG SERVICE
ARG SERVICE_DIR=services/${SERVICE}
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
COPY requirements.txt ./
COPY kernel/ kernel/
COPY ${SERVICE_DIR}/ ${SERVICE_DIR}/
# Versions come from requirements.txt, used as constraints (pip refuses extras in a constraints file).
RUN test -n "${SERVICE}" || { echo "build with --build-arg SERVICE=<gateway|plans|training|evaluation|hall>"; exit 1; } \
    && sed 's/\[[^]]*\]//' requirements.txt > constraints.txt \
    && pip install --no-cache-dir -c constraints.txt -e kernel -e ${SERVICE_DIR} \
    && find /opt/venv /app -name '__pycache__' -type d -prune -exec rm -rf {} +

FROM python:3.11-slim-bookworm
ARG SERVICE
# The port the service listens on in the container (the healthcheck asks it too).
ARG PORT=8000
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATA_DIR=/data \
    ENVIRONMENT=production \
    SANQUAN_SERVICE=${SERVICE} \
    SANQUAN_PORT=${PORT}
# A Chinese TrueType font, Debian's fonts-wqy-zenhei (docs/decisions.md): the plans service's PDF letters embed it,
# the evaluation service's annual report (its charts, in the DOCX too, and its PDF) draws with it.
RUN if [ "${SERVICE}" = "plans" ] || [ "${SERVICE}" = "evaluation" ]; then \
        apt-get update \
        && apt-get install -y --no-install-recommends fonts-wqy-zenhei=0.9.45-8 \
        && rm -rf /var/lib/apt/lists/*; \
    fi
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app \
    && mkdir -p /data/files \
    && chown app:app /data /data/files
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
USER 10001:10001
EXPOSE ${PORT}
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['SANQUAN_PORT'] + '/readyz', timeout=4)"]
CMD ["python", "-m", "sanquan_kernel.cli", "serve", "--host", "0.0.0.0"]
