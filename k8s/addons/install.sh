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
# ("-" for no appVersion), read with a YAML parser (PyYAML).
versions() {
  python3 - "$here/versions.yaml" <<'PY'
import sys
import yaml

with open(sys.argv[1]) as f:
    pins = yaml.safe_load(f)
for name, pin in pins.items():
    fields = [pin[k] for k in ("chart", "repository", "version", "namespace")]
    fields.append(pin.get("appVersion") or "-")
    values = [str(v) for v in [name] + fields]
    if any(not v or any(c.isspace() for c in v) for v in values):
        sys.exit(f"versions.yaml: {name}: every field must be one word: {values}")
    print(" ".join(values))
PY
}

python3 -c 'import yaml' 2>/dev/null \
  || { echo "install.sh needs python3 with PyYAML (Debian/Ubuntu: apt-get install python3-yaml; else pip install pyyaml)" >&2; exit 1; }

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

pins=$(versions)
while read -r name chart repo version namespace app; do
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
done <<<"$pins"
