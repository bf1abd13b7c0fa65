#!/usr/bin/env bash
# Installs the cluster add-ons at the versions pinned in versions.yaml, with
# the values files beside this script, on the cluster kubectl points at.
#
#   CLUSTER_NAME=moodle AWS_REGION=eu-west-1 VPC_ID=vpc-... \
#   ALB_ROLE_ARN=arn:... EFS_CSI_ROLE_ARN=arn:... AUTOSCALER_ROLE_ARN=arn:... \
#   k8s/addons/install.sh
#
# The role ARNs are the IRSA roles the CDK app creates (leave one empty when
# the CDK app uses EKS Pod Identity for that controller instead). The cluster
# must run the Kubernetes minor of cluster-autoscaler's appVersion.
# DRY_RUN=1 prints the commands instead of running them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

: "${CLUSTER_NAME:?set CLUSTER_NAME}" "${AWS_REGION:?set AWS_REGION}" "${VPC_ID:?set VPC_ID}"
irsa=eks\\.amazonaws\\.com/role-arn

run() {
  if [ "${DRY_RUN:-0}" = 1 ]; then echo "$*"; else "$@"; fi
}

# Prints "name chart repository version namespace appVersion" per add-on
# ("-" for no appVersion). versions.yaml keeps a fixed two-level shape so this
# needs no YAML tool on the operator's machine; the checks in k8s/test compare
# this parse with a real YAML parser.
versions() {
  awk '
    function out() { print name, f["chart"], f["repository"], f["version"], f["namespace"], (f["appVersion"] == "" ? "-" : f["appVersion"]) }
    /^[A-Za-z0-9-]+:[[:space:]]*$/ { if (name) out(); name = $1; sub(/:$/, "", name); delete f; next }
    /^[[:space:]]+(chart|repository|version|namespace|appVersion):/ { key = $1; sub(/:$/, "", key); f[key] = $2 }
    END { if (name) out() }
  ' "$here/versions.yaml"
}

# Extra --set flags per add-on: cluster identity and IRSA roles.
settings() {
  case "$1" in
    cluster-autoscaler)
      echo "--set autoDiscovery.clusterName=$CLUSTER_NAME --set awsRegion=$AWS_REGION"
      [ -z "${AUTOSCALER_ROLE_ARN:-}" ] || echo "--set rbac.serviceAccount.annotations.$irsa=$AUTOSCALER_ROLE_ARN" ;;
    aws-load-balancer-controller)
      echo "--set clusterName=$CLUSTER_NAME --set region=$AWS_REGION --set vpcId=$VPC_ID"
      [ -z "${ALB_ROLE_ARN:-}" ] || echo "--set serviceAccount.annotations.$irsa=$ALB_ROLE_ARN" ;;
    aws-efs-csi-driver)
      [ -z "${EFS_CSI_ROLE_ARN:-}" ] || echo "--set controller.serviceAccount.annotations.$irsa=$EFS_CSI_ROLE_ARN" ;;
  esac
}

# The priority expander's ConfigMap must exist before the autoscaler starts.
run kubectl apply -f "$here/cluster-autoscaler/priority-expander.yaml"

versions | while read -r name chart repo version namespace app; do
  if [[ "$repo" == oci://* ]]; then
    ref=("$repo/$chart")
  else
    ref=("$chart" --repo "$repo")
  fi
  # The release pinned in versions.yaml, where the chart's default lags.
  image=()
  [ "$app" = - ] || image=(--set "image.tag=v$app")
  # shellcheck disable=SC2046
  run helm upgrade --install "$name" "${ref[@]}" --version "$version" \
    --namespace "$namespace" --values "$here/$name/values.yaml" $(settings "$name") "${image[@]}" --wait
done
