#!/usr/bin/env bash
# Creates (or updates) the Kubernetes Secret the Moodle chart reads
# (secrets.existingSecret = moodle-credentials) from the Secrets Manager
# secrets of a deployed stack, named in its `cdk deploy --outputs-file` file:
#
#   scripts/chart-secret.sh outputs.json [stack-name]
#
# MOODLE_NAMESPACE (default moodle): namespace of the release.
# MOODLE_ADMIN_PASSWORD: Moodle admin password; generated when unset.
# Values travel through files in a private temp directory, never argv.
set -euo pipefail

outputs=${1:?usage: chart-secret.sh OUTPUTS_JSON [STACK_NAME]}
stack=${2:-}
namespace=${MOODLE_NAMESPACE:-moodle}
secret=moodle-credentials

# Region, database secret ARN, AUTH token secret ARN of the stack.
read -r region db_arn redis_arn < <(node -e '
  const o = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const names = Object.keys(o);
  const name = process.argv[2] || (names.length === 1 ? names[0] : "");
  const s = o[name];
  if (!s) { console.error(`chart-secret: name the stack (file has: ${names.join(", ")})`); process.exit(1); }
  for (const k of ["Region", "RdsSecretArn", "RedisAuthSecretArn"]) {
    if (!s[k]) { console.error(`chart-secret: stack ${name} has no ${k} output`); process.exit(1); }
  }
  console.log(s.Region, s.RdsSecretArn, s.RedisAuthSecretArn);
' "$outputs" "$stack")

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
chmod 700 "$dir"

secret_string() {
  aws secretsmanager get-secret-value --region "$region" --secret-id "$1" --query SecretString --output text
}
secret_string "$db_arn" | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => process.stdout.write(JSON.parse(s).password));
' >"$dir/db-password"
secret_string "$redis_arn" | tr -d '\n' >"$dir/redis-auth-token"
if [ -n "${MOODLE_ADMIN_PASSWORD:-}" ]; then
  printf '%s' "$MOODLE_ADMIN_PASSWORD" >"$dir/admin-password"
else
  node -e 'process.stdout.write(require("crypto").randomBytes(18).toString("base64url"))' >"$dir/admin-password"
fi
for f in db-password redis-auth-token admin-password; do
  [ -s "$dir/$f" ] || { echo "chart-secret: $f is empty" >&2; exit 1; }
done

kubectl create namespace "$namespace" --dry-run=client -o yaml | kubectl apply -f -
kubectl create secret generic "$secret" --namespace "$namespace" \
  --from-file=db-password="$dir/db-password" \
  --from-file=redis-auth-token="$dir/redis-auth-token" \
  --from-file=admin-password="$dir/admin-password" \
  --dry-run=client -o yaml | kubectl apply -f -
echo "chart-secret: Secret $namespace/$secret is up to date"
