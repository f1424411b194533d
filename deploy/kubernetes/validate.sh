#!/usr/bin/env bash
# Validates the Kubernetes manifests offline against the Kubernetes API schemas (validate.mjs:
# schemas generated from the Kubernetes OpenAPI specification, package kubernetes-models, and an
# unknown-field check against the same package's types). Needs `npm ci` first.
#   bash deploy/kubernetes/validate.sh [FILE|DIR ...]   (default: deploy/kubernetes and examples/)
set -euo pipefail
cd "$(dirname "$0")/../.."
exec node deploy/kubernetes/validate.mjs "$@"
