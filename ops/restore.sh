#!/usr/bin/env bash
# Restore a backup made by ops/backup.sh into an EMPTY database and media folder. See
# docs/operations.md (create the database first; stop web, worker and beat while restoring).
#   DATABASE_URL=postgres://… MEDIA_ROOT=/app/media ops/restore.sh /backups/2026-12-01
set -euo pipefail
src="${1:?usage: ops/restore.sh BACKUP_FOLDER}"
: "${DATABASE_URL:?set DATABASE_URL (postgres://user:pass@host:5432/db) of an empty database}"
media="${MEDIA_ROOT:-media}"
(cd "$src" && sha256sum --check --quiet SHA256SUMS)
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname "$DATABASE_URL" \
    "$src/database.dump"
mkdir -p "$media"
tar -C "$media" -xzf "$src/media.tar.gz"
echo "restored $src"
