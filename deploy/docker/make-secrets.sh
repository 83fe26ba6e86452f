#!/usr/bin/env bash
# Creates the compose stack's secret files in ./secrets, once each (an
# existing file is kept). The directory is private to its owner; the files
# inside are readable so the services' unprivileged users can read them
# through the bind mount.
set -euo pipefail
cd "$(dirname "$0")/../.."
umask 022
mkdir -p secrets
chmod 700 secrets
make_secret() {
  local name=$1 bytes=$2
  [[ -s secrets/$name ]] && return 0
  head -c "$bytes" /dev/urandom | base64 | tr -d '\n/+=' | head -c "$((bytes * 4 / 3))" >"secrets/$name.tmp"
  mv "secrets/$name.tmp" "secrets/$name"
  echo "secrets/$name created"
}
make_secret db_password 24
make_secret internal_token 36
make_secret secret_key 48
# The SMTP password is yours: an empty file until you write it.
[[ -e secrets/email_password ]] || { : >secrets/email_password; echo "secrets/email_password created (empty: put your SMTP password in it)"; }
[[ -e secrets/backup_s3_secret_key ]] || { : >secrets/backup_s3_secret_key; echo "secrets/backup_s3_secret_key created (empty: put the S3 secret key for off-site backups in it)"; }
