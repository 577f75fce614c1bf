#!/bin/sh
# The stored files' bucket in MinIO (issue #16), run by the one-shot `minio-init` container of docker-compose.yml
# (image minio/mc) at every `docker compose up`, before plans, training and evaluation start. Idempotent:
#   - the bucket S3_BUCKET, private (no anonymous access);
#   - the services' own account S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY (never MinIO's root), with a policy that
#     reads, writes and lists that bucket only (what sanquan_kernel.storage and its backups do);
# and refuses weak secrets before touching anything. The services never create buckets.
# Variables: S3_ENDPOINT_URL, MINIO_ROOT_USER, MINIO_ROOT_PASSWORD, S3_BUCKET, S3_ACCESS_KEY_ID,
# S3_SECRET_ACCESS_KEY; MC_CONFIG_DIR (default /tmp/mc: mc's alias, inside this container only).
set -eu

: "${S3_ENDPOINT_URL:?}" "${MINIO_ROOT_USER:?}" "${MINIO_ROOT_PASSWORD:?}" "${S3_BUCKET:?}"
: "${S3_ACCESS_KEY_ID:?}" "${S3_SECRET_ACCESS_KEY:?}"

fail() {
    echo "minio-init: $*" >&2
    exit 1
}

weak() {
    # 12 characters at least, and no value copied from an example (like the services' check of their secrets).
    [ "${#1}" -lt 12 ] && return 0
    case "$(printf '%s' "$1" | tr 'A-Z' 'a-z')" in
        *changeme* | *change-me* | *password* | *secret* | *example* | *placeholder* | *minioadmin*) return 0 ;;
    esac
    return 1
}

weak "$MINIO_ROOT_PASSWORD" && fail "MINIO_ROOT_PASSWORD is too weak: generate one (openssl rand -hex 24)"
weak "$S3_SECRET_ACCESS_KEY" && fail "S3_SECRET_ACCESS_KEY is too weak: generate one (openssl rand -hex 24)"
[ "$S3_ACCESS_KEY_ID" = "$MINIO_ROOT_USER" ] && fail "S3_ACCESS_KEY_ID must be the services' own account, not MinIO's root"
[ "$S3_SECRET_ACCESS_KEY" = "$MINIO_ROOT_PASSWORD" ] && fail "S3_SECRET_ACCESS_KEY must differ from MINIO_ROOT_PASSWORD"

mc_() {
    mc --config-dir "${MC_CONFIG_DIR:-/tmp/mc}" "$@"
}

POLICY="${S3_BUCKET}-services"
POLICY_FILE="$(mktemp)"
trap 'rm -f "$POLICY_FILE"' EXIT
cat > "$POLICY_FILE" <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
      "Resource": ["arn:aws:s3:::${S3_BUCKET}"]
    },
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload",
                 "s3:ListMultipartUploadParts"],
      "Resource": ["arn:aws:s3:::${S3_BUCKET}/*"]
    }
  ]
}
EOF

mc_ alias set sanquan "$S3_ENDPOINT_URL" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" > /dev/null
mc_ mb --ignore-existing "sanquan/$S3_BUCKET"
mc_ anonymous set none "sanquan/$S3_BUCKET"
mc_ admin policy create sanquan "$POLICY" "$POLICY_FILE"
# Adding an existing user sets its secret again (a changed S3_SECRET_ACCESS_KEY takes effect here).
mc_ admin user add sanquan "$S3_ACCESS_KEY_ID" "$S3_SECRET_ACCESS_KEY"
# Attaching a policy the user already has is an error ("already in effect") on every start after the first.
if ! out="$(mc_ admin policy attach sanquan "$POLICY" --user "$S3_ACCESS_KEY_ID" 2>&1)"; then
    case "$out" in
        *"already in effect"* | *"already attached"*) ;;
        *) fail "attaching the policy failed: $out" ;;
    esac
fi
echo "minio-init: bucket $S3_BUCKET ready, account $S3_ACCESS_KEY_ID with policy $POLICY"
