#!/usr/bin/env bash
# backup.sh - nightly backups of the Parcel database, and restores from them.
#
#   scripts/backup.sh backup                 # dump, encrypt, upload, prune old backups
#   scripts/backup.sh list                   # backups available in the bucket
#   scripts/backup.sh restore <name> <dburl> # restore one backup into an EMPTY database
#   scripts/backup.sh verify                 # restore last night's backup into a scratch db
#
# Dumps are made with pg_dump's custom format (parallel restore, selective
# tables), encrypted with age to the ops team's public key, and stored in the
# backup bucket, which lives in a different region and account from production.
# File contents are not in these dumps: object storage is protected by bucket
# versioning and cross-region replication instead (see docs/runbook.md).
set -euo pipefail

: "${PARCEL_DATABASE_URL:?set PARCEL_DATABASE_URL}"
BACKUP_BUCKET="${BACKUP_BUCKET:-s3://parcel-backups-eu-west-2/db}"
AGE_RECIPIENTS="${AGE_RECIPIENTS:-/etc/parcel/backup-recipients.txt}"
AGE_IDENTITY="${AGE_IDENTITY:-$HOME/.config/parcel/backup-identity.txt}"
RETAIN_DAILY=14
RETAIN_MONTHLY=12
WORKDIR="$(mktemp -d /var/tmp/parcel-backup.XXXXXX)"
trap 'rm -rf "$WORKDIR"' EXIT

log() { printf '%s backup: %s\n' "$(date -u +%FT%TZ)" "$*" >&2; }

do_backup() {
  local name="parcel-$(date -u +%Y%m%dT%H%M%SZ).dump.age"
  log "dumping database"
  pg_dump --format=custom --compress=6 --no-owner --dbname="$PARCEL_DATABASE_URL" \
    | age --encrypt --recipients-file "$AGE_RECIPIENTS" > "$WORKDIR/$name"
  sha256sum "$WORKDIR/$name" | awk '{print $1}' > "$WORKDIR/$name.sha256"
  log "uploading $name ($(du -h "$WORKDIR/$name" | cut -f1))"
  aws s3 cp --only-show-errors "$WORKDIR/$name" "$BACKUP_BUCKET/daily/$name"
  aws s3 cp --only-show-errors "$WORKDIR/$name.sha256" "$BACKUP_BUCKET/daily/$name.sha256"
  if [[ "$(date -u +%d)" == "01" ]]; then
    aws s3 cp --only-show-errors "$WORKDIR/$name" "$BACKUP_BUCKET/monthly/$name"
  fi
  prune daily "$RETAIN_DAILY"
  prune monthly "$RETAIN_MONTHLY"
  log "backup complete: $name"
}

# Keep the newest N backups in a folder, delete the rest.
prune() {
  local folder="$1" keep="$2"
  aws s3 ls "$BACKUP_BUCKET/$folder/" | awk '{print $4}' | grep '\.dump\.age$' | sort -r \
    | tail -n +"$((keep + 1))" | while read -r old; do
        log "pruning $folder/$old"
        aws s3 rm --only-show-errors "$BACKUP_BUCKET/$folder/$old"
        aws s3 rm --only-show-errors "$BACKUP_BUCKET/$folder/$old.sha256" || true
      done
}

do_list() {
  aws s3 ls "$BACKUP_BUCKET/daily/" | grep '\.dump\.age$'
  aws s3 ls "$BACKUP_BUCKET/monthly/" | grep '\.dump\.age$' | sed 's/^/monthly /'
}

# Download a backup, check its hash, decrypt it and pg_restore it into a database
# that must be empty: restoring over live data is refused on purpose.
do_restore() {
  local name="$1" target="$2" folder="daily"
  [[ "$name" == monthly/* ]] && { folder="monthly"; name="${name#monthly/}"; }
  local tables
  tables="$(psql "$target" -Atc "select count(*) from information_schema.tables where table_schema = 'public'")"
  [[ "$tables" == "0" ]] || { log "target database is not empty ($tables tables); refusing"; exit 1; }

  log "downloading $folder/$name"
  aws s3 cp --only-show-errors "$BACKUP_BUCKET/$folder/$name" "$WORKDIR/$name"
  aws s3 cp --only-show-errors "$BACKUP_BUCKET/$folder/$name.sha256" "$WORKDIR/$name.sha256"
  [[ "$(sha256sum "$WORKDIR/$name" | awk '{print $1}')" == "$(cat "$WORKDIR/$name.sha256")" ]] \
    || { log "checksum mismatch for $name; do not use this backup"; exit 1; }

  log "decrypting and restoring into target database"
  age --decrypt --identity "$AGE_IDENTITY" "$WORKDIR/$name" > "$WORKDIR/restore.dump"
  pg_restore --jobs=4 --no-owner --exit-on-error --dbname="$target" "$WORKDIR/restore.dump"
  log "restore finished; now run: psql \"$target\" -c 'select max(created_at) from files'"
}

do_verify() {
  local latest scratch="postgres://localhost/parcel_restore_check"
  latest="$(aws s3 ls "$BACKUP_BUCKET/daily/" | awk '{print $4}' | grep '\.dump\.age$' | sort | tail -n1)"
  dropdb --if-exists parcel_restore_check && createdb parcel_restore_check
  do_restore "$latest" "$scratch"
  psql "$scratch" -Atc "select count(*) from files" | xargs -I{} log "verify: {} files in $latest"
}

case "${1:-}" in
  backup)  do_backup ;;
  list)    do_list ;;
  restore) [[ $# -eq 3 ]] || { echo "usage: $0 restore <name> <database-url>" >&2; exit 2; }
           do_restore "$2" "$3" ;;
  verify)  do_verify ;;
  *) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
