#!/bin/sh
# Example inventory command for config/inspectors.yml (`inventory.command`). Switchyard runs it as
# `./scripts/inventory.sh <env>` (argv, no shell) and reads what runs in that environment from stdout:
#   [{"service": "checkout", "version": "1.4.0"}, {"service": "payments", "version": "2.0.3"}]
#
# This example prints config/inventory/<env>.json when that file exists, else `[]` (nothing known to
# run). Replace the body with a query of your platform, for example on Kubernetes:
#   kubectl --context "prod-eks-2" get deploy -A -o json \
#     | jq '[.items[] | {service: .metadata.labels["app.kubernetes.io/name"],
#                        version: .metadata.labels["app.kubernetes.io/version"]}]'
# A non-zero exit or output that is not that JSON makes the inspection "cannot run" (said once in
# channels.default); nothing is then marked fixed or missing.
set -eu

env="${1:-}"
# The environment names a file: only plain names, never a path.
case "$env" in
  '' | *[!A-Za-z0-9_-]*)
    echo "usage: inventory.sh <environment> (letters, digits, - and _)" >&2
    exit 2
    ;;
esac

file="$(dirname "$0")/../config/inventory/$env.json"
if [ -f "$file" ]; then
  cat "$file"
else
  echo '[]'
fi
