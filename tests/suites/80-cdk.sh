#!/usr/bin/env bash
# CDK app (cdk-equivalent-infra/): install the pinned toolchain, type-check,
# synthesize the default and the production configuration with no network
# and no AWS credentials, then run the template assertions, the cdk-nag
# AwsSolutions checks and the CloudFormation validator checks.
# Synthesis itself fails on any unacknowledged cdk-nag or validator finding.
set -euo pipefail
cd "$(dirname "$0")/../.."
cd cdk-equivalent-infra

export CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=true
start=$SECONDS
step() { printf '\n--- cdk: %s (at %ss)\n' "$*" "$((SECONDS - start))"; }

step "npm ci"
npm ci --prefer-offline --no-audit --no-fund --loglevel=error

step "type check (tsc --noEmit)"
npx tsc --noEmit

# Offline: a network namespace with only a down loopback (when the kernel
# lets us make one), no AWS credentials or profile, no instance metadata.
offline=(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE
  -u AWS_DEFAULT_PROFILE AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null)
if unshare -n true 2>/dev/null; then
  offline=(unshare -n -- "${offline[@]}")
else
  echo "note: cannot create a network namespace here; synthesizing without credentials only"
fi

rm -rf cdk.out
# Every deployment names its operator (AWS's documentation account id here)
# and who may reach the API endpoint (a documentation range).
admin=arn:aws:iam::111122223333:role/moodle-admin
api='["203.0.113.0/24"]'
for config in default production; do
  step "cdk synth offline ($config)"
  "${offline[@]}" npx cdk synth --quiet --lookups false -c config="$config" -c adminPrincipalArn="$admin" \
    -c endpointPublicCidrs="$api" -o "cdk.out/$config"
  test -s "cdk.out/$config/moodle-$([ "$config" = production ] && echo prod || echo dev).template.json"
done

step "cdk synth without adminPrincipalArn fails, naming the key"
if "${offline[@]}" npx cdk synth --quiet --lookups false -c endpointPublicCidrs="$api" -o cdk.out/no-admin >cdk.out/no-admin.log 2>&1; then
  echo "cdk synth passed without adminPrincipalArn"; exit 1
fi
grep -q 'adminPrincipalArn is required' cdk.out/no-admin.log || { cat cdk.out/no-admin.log; exit 1; }

step "assertions, cdk-nag, CloudFormation validator (node:test)"
log=$(mktemp)
status=0
"${offline[@]}" npm test --silent >"$log" 2>&1 || status=$?
grep -E '^(not ok|# (tests|pass|fail|cancelled|skipped))' "$log" || true
if grep -q '^not ok' "$log"; then
  echo "--- failures:"
  awk '/^ *not ok/{p=1} p{print} /^ *\.\.\./{p=0}' "$log" | head -200
fi
# node:test marks a skip "ok N - NAME # SKIP REASON": each must be listed.
while IFS=$'\t' read -r name reason; do
  ../tests/harness/skips 80-cdk --what "$name" "$reason" || status=1
done < <(sed -nE 's/^ *ok [0-9]+ - (.*) # SKIP (.*)$/\1\t\2/p' "$log")
pass=$(sed -n 's/^# pass //p' "$log" | tail -1)
fail=$(sed -n 's/^# fail //p' "$log" | tail -1)
cancelled=$(sed -n 's/^# cancelled //p' "$log" | tail -1)
fail=$(( ${fail:-1} + ${cancelled:-0} ))
rm -f "$log"
echo "cdk: total $((SECONDS - start)) s"
[ "$status" -eq 0 ] || [ "$fail" -gt 0 ] || fail=1   # a crash outside any test
echo "cdk: ${pass:-0} passed, $fail failed"
[ "$status" -eq 0 ] && [ "$fail" -eq 0 ] && [ "${pass:-0}" -gt 0 ]
