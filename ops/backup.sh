#!/usr/bin/env bash
# Back up the portal: the PostgreSQL database (pg_dump, custom format) and the media folder
# (attachments, scorecard PDFs), with a checksum file. See docs/operations.md.
#   DATABASE_URL=postgres://… MEDIA_ROOT=/app/media ops/backup.sh /backups/2026-12-01
# The database is dumped FIRST: files are written before the rows that name them, so every
# file a dumped row refers to is already in the media folder when it is archived.
set -euo pipefail
dest="${1:?usage: ops/backup.sh DESTINATION_FOLDER}"
: "${DATABASE_URL:?set DATABASE_URL (postgres://user:pass@host:5432/db)}"
media="${MEDIA_ROOT:-media}"
mkdir -p "$dest"
pg_dump --format=custom --no-owner --no-privileges --file "$dest/database.dump" "$DATABASE_URL"
mkdir -p "$media"
tar -C "$media" -czf "$dest/media.tar.gz" .
(cd "$dest" && sha256sum database.dump media.tar.gz > SHA256SUMS)
echo "backup written to $dest"
