import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { describe, it } from 'node:test';
import { FALLBACK_KEY, resolveAddonVersions, VERSIONS_FILE } from '../lib/addon-versions';
import { controllerVersion } from '../lib/addons/load-balancer-controller';
import { ADDON_NAMES } from '../lib/config';
import { cdkJsonContext } from './helpers';
import { scratchDir } from './scratch';

const ctx = { tryGetContext: (k: string) => cdkJsonContext()[k] };
const tmpFile = (text: string) => {
  const f = path.join(scratchDir('versions-'), 'versions.yaml');
  fs.writeFileSync(f, text);
  return f;
};

describe('pinned add-on versions', () => {
  it('has an exact fallback pin in cdk.json for every add-on', () => {
    const { source } = resolveAddonVersions(ctx, '/nonexistent/versions.yaml');
    for (const name of ADDON_NAMES) assert.equal(source[name], 'cdk.json', name);
  });

  it('prefers k8s/addons/versions.yaml, add-on by add-on', () => {
    const file = tmpFile('metrics-server: {chart: metrics-server, repository: https://example.invalid/charts, version: 9.9.9, namespace: kube-system}\n');
    const { versions, source } = resolveAddonVersions(ctx, file);
    assert.equal(versions['metrics-server'].version, '9.9.9');
    assert.equal(source['metrics-server'], 'versions.yaml');
    assert.equal(source['cluster-autoscaler'], 'cdk.json');
    assert.equal(versions['cluster-autoscaler'].version, cdkJsonContext()[FALLBACK_KEY]['cluster-autoscaler'].version);
  });

  it('reads the shared versions file when the repository has it', { skip: !fs.existsSync(VERSIONS_FILE) && 'k8s/addons/versions.yaml is absent' }, () => {
    const { source } = resolveAddonVersions(ctx);
    for (const name of ADDON_NAMES) assert.equal(source[name], 'versions.yaml', name);
  });

  it('rejects a range or a missing field', () => {
    assert.throws(() => resolveAddonVersions(ctx, tmpFile('metrics-server: {chart: m, repository: r, version: "^3.12", namespace: kube-system}\n')), /not an exact pin/);
    assert.throws(() => resolveAddonVersions(ctx, tmpFile('metrics-server: {chart: m, version: 1.2.3, namespace: kube-system}\n')), /needs a non-empty string "repository"/);
  });

  it('maps load balancer controller chart versions to controller versions', () => {
    assert.equal(controllerVersion('1.13.4'), '2.13.4');
    assert.equal(controllerVersion('3.2.2'), '3.2.2');
  });
});
