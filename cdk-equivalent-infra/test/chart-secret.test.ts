import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { describe, it } from 'node:test';
import { scratchDir } from './scratch';

const SCRIPT = path.join(__dirname, '..', 'scripts', 'chart-secret.sh');
const DB_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf';
const REDIS_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:auth-GhIjKl';
const DB_PASSWORD = 'p4ss-w0rd_with"quote';
const AUTH_TOKEN = 'TokenWithOnlyAlphanumerics0123456789';

/** Runs the script against stub `aws` and `kubectl` commands; returns what kubectl was fed. */
function run(env: Record<string, string> = {}, outputs?: unknown) {
  const dir = scratchDir('chart-secret-');
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'aws'), `#!/usr/bin/env bash
echo "aws $*" >> "${dir}/argv"
case "$*" in
  *"--secret-id ${DB_ARN} "*) printf '%s\\n' '{"username":"moodle","password":${JSON.stringify(DB_PASSWORD).replace(/'/g, "")}}' ;;
  *"--secret-id ${REDIS_ARN} "*) printf '%s\\n' '${AUTH_TOKEN}' ;;
  *) echo "unexpected aws call: $*" >&2; exit 1 ;;
esac
`, { mode: 0o755 });
  // kubectl: "create secret ... --from-file=k=path" prints k=<content> lines; "apply -f -" records stdin.
  fs.writeFileSync(path.join(bin, 'kubectl'), `#!/usr/bin/env bash
echo "kubectl $*" >> "${dir}/argv"
if [ "$1" = apply ]; then cat >> "${dir}/applied"; exit 0; fi
if [ "$1 $2" = "create secret" ]; then
  for a in "$@"; do case "$a" in --from-file=*) kv=\${a#--from-file=}; printf '%s=%s\\n' "\${kv%%=*}" "$(cat "\${kv#*=}")";; esac; done
  exit 0
fi
echo "namespace $3"
`, { mode: 0o755 });
  const file = path.join(dir, 'outputs.json');
  fs.writeFileSync(file, JSON.stringify(outputs ?? { 'moodle-dev': { Region: 'eu-west-1', RdsSecretArn: DB_ARN, RedisAuthSecretArn: REDIS_ARN } }));
  const r = spawnSync('bash', [SCRIPT, file], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ...env } });
  const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8') : '');
  return { status: r.status, stderr: r.stderr, applied: read('applied'), argv: read('argv') };
}

describe('scripts/chart-secret.sh', () => {
  it('writes the database password, AUTH token and an admin password into the chart Secret', () => {
    const r = run({ MOODLE_NAMESPACE: 'lms' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.applied, /^namespace lms$/m);
    assert.ok(r.applied.includes(`db-password=${DB_PASSWORD}\n`), r.applied);
    assert.ok(r.applied.includes(`redis-auth-token=${AUTH_TOKEN}\n`), r.applied);
    assert.match(r.applied, /^admin-password=[A-Za-z0-9_-]{24}$/m);
    assert.match(r.argv, /create secret generic moodle-credentials --namespace lms/);
  });

  it('never puts a secret on a command line', () => {
    const r = run({ MOODLE_ADMIN_PASSWORD: 'Admin-Secret-42' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.applied, /^admin-password=Admin-Secret-42$/m);
    for (const s of [DB_PASSWORD, AUTH_TOKEN, 'Admin-Secret-42']) assert.ok(!r.argv.includes(s), `${s} in argv`);
  });

  it('fails, naming the output, when the stack lacks one', () => {
    const r = run({}, { 'moodle-dev': { Region: 'eu-west-1', RdsSecretArn: DB_ARN } });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /no RedisAuthSecretArn output/);
    assert.equal(r.applied, '');
  });
});
