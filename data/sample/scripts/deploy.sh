#!/usr/bin/env bash
# deploy.sh - roll out a new version of parceld and the media worker.
#
# Usage: scripts/deploy.sh <environment> [git-ref]
#   environment  staging | production
#   git-ref      commit or tag to deploy (default: HEAD)
#
# The deploy procedure, step by step:
#   1. preflight   clean working tree; production needs a vX.Y.Z release tag
#                  that staging is already running
#   2. build       build and push the Docker images for both services
#   3. migrate     run database migrations once, from the first host
#   4. rollout     upgrade one host at a time, waiting for /healthz on each
#   5. rollback    if any host fails its health check, put the previous
#                  version back on every host and stop
#   6. announce    post the result to Slack
set -euo pipefail

readonly REGISTRY="registry.parcel.example/parcel"
readonly HEALTH_TIMEOUT=90
readonly SERVICES=(parceld parcel-worker)

log() { printf '%s deploy: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

usage() {
  sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}

[[ $# -ge 1 ]] || usage
ENVIRONMENT="$1"
REF="${2:-HEAD}"

case "$ENVIRONMENT" in
  staging)    HOSTS_FILE="deploy/hosts.staging" ;;
  production) HOSTS_FILE="deploy/hosts.production" ;;
  *) die "unknown environment '$ENVIRONMENT' (staging or production)" ;;
esac

COMMIT="$(git rev-parse --verify "$REF^{commit}")" || die "no such ref: $REF"
TAG="$(git describe --tags --exact-match "$COMMIT" 2>/dev/null || true)"
VERSION="${TAG:-sha-${COMMIT:0:12}}"

preflight() {
  [[ -z "$(git status --porcelain)" ]] || die "working tree is dirty; commit or stash first"
  if [[ "$ENVIRONMENT" == production ]]; then
    [[ "$TAG" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "production deploys need a release tag, got '$VERSION'"
    local staged
    staged="$(ssh "$(head -n1 deploy/hosts.staging)" cat /etc/parcel/VERSION)"
    [[ "$staged" == "$VERSION" ]] || die "staging runs $staged, not $VERSION; deploy to staging first"
  fi
  command -v docker >/dev/null || die "docker is required"
}

build_and_push() {
  for service in "${SERVICES[@]}"; do
    log "building $service:$VERSION"
    docker build --pull -f "deploy/$service.Dockerfile" \
      --build-arg VERSION="$VERSION" -t "$REGISTRY/$service:$VERSION" .
    docker push "$REGISTRY/$service:$VERSION"
  done
}

run_migrations() {
  log "running database migrations"
  ssh "$(head -n1 "$HOSTS_FILE")" \
    "docker run --rm --env-file /etc/parcel/env $REGISTRY/parceld:$VERSION parcel-migrate up"
}

wait_healthy() {
  local host="$1" deadline=$((SECONDS + HEALTH_TIMEOUT))
  until curl -fsS --max-time 3 "http://$host:8080/healthz" >/dev/null; do
    (( SECONDS < deadline )) || return 1
    sleep 3
  done
}

rollout() {
  local host previous
  while read -r host; do
    [[ -z "$host" || "$host" == \#* ]] && continue
    previous="$(ssh "$host" cat /etc/parcel/VERSION)"
    log "$host: $previous -> $VERSION"
    ssh "$host" "sudo parcelctl drain && sudo parcelctl upgrade $VERSION"
    if ! wait_healthy "$host"; then
      log "$host failed its health check; rolling back to $previous"
      rollback "$previous"
      die "deploy of $VERSION aborted"
    fi
  done < "$HOSTS_FILE"
}

rollback() {
  local version="$1" host
  while read -r host; do
    [[ -z "$host" || "$host" == \#* ]] && continue
    ssh "$host" "sudo parcelctl upgrade $version" || log "rollback on $host failed; fix by hand"
  done < "$HOSTS_FILE"
}

announce() {
  local text="Deployed $VERSION to $ENVIRONMENT (by ${USER:-ci})"
  [[ -n "${SLACK_WEBHOOK_URL:-}" ]] && curl -fsS -X POST -H 'Content-Type: application/json' \
    -d "{\"text\": \"$text\"}" "$SLACK_WEBHOOK_URL" >/dev/null
  log "$text"
}

preflight
build_and_push
run_migrations
rollout
announce
