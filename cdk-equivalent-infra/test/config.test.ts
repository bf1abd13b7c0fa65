import { strict as assert } from 'assert';
import { describe, it } from 'node:test';
import { loadConfig } from '../lib/config';
import { API_CIDRS, cdkJsonContext, contextOf as ctx } from './helpers';

describe('configuration from context', () => {
  it('uses the default profile unless told otherwise', () => {
    const c = loadConfig(ctx());
    assert.equal(c.envName, 'dev');
    assert.equal(c.production, false);
  });

  it('merges the production profile over the default one, key by key', () => {
    const c = loadConfig(ctx({ config: 'production' }));
    assert.equal(c.production, true);
    assert.equal(c.azCount, 3);
    assert.equal(c.waf, true);
    assert.equal(c.kubernetesVersion, loadConfig(ctx()).kubernetesVersion, 'unset keys come from default');
    assert.equal(c.efs.throughputMode, 'elastic');
  });

  it('parses -c overrides as JSON when they are JSON', () => {
    const c = loadConfig(ctx({ azCount: '3', natGateways: '2', waf: 'true', envName: 'staging', endpointPublicCidrs: '["203.0.113.0/24"]' }));
    assert.equal(c.azCount, 3);
    assert.equal(c.waf, true);
    assert.equal(c.envName, 'staging');
    assert.deepEqual(c.endpointPublicCidrs, ['203.0.113.0/24']);
  });

  it('keeps string settings as strings', () => {
    assert.equal(loadConfig(ctx({ kubernetesVersion: '1.35' })).kubernetesVersion, '1.35');
    assert.equal(loadConfig(ctx({ certificateArn: '123' })).certificateArn, '123');
  });

  it('merges an object override into the profile instead of replacing it', () => {
    const c = loadConfig(ctx({ database: '{"instanceType":"r7g.xlarge"}' }));
    assert.equal(c.database.instanceType, 'r7g.xlarge');
    assert.equal(c.database.databaseName, 'moodle');
  });

  it('rejects an unknown profile, naming the known ones', () => {
    assert.throws(() => loadConfig(ctx({ config: 'staging' })), /unknown configuration "staging": expected one of default, production/);
  });

  it('rejects values that would build a broken deployment', () => {
    assert.throws(() => loadConfig(ctx({ azCount: '4' })), /azCount must be 2 or 3/);
    assert.throws(() => loadConfig(ctx({ kubernetesVersion: '1.33' })), /outside the kubectl layer's skew/);
    assert.throws(() => loadConfig(ctx({ natGateways: '3' })), /natGateways must be 1..azCount/);
    assert.throws(() => loadConfig(ctx({ cache: '{"replicasPerShard":0}' })), /replicasPerShard must be >= 1/);
    assert.throws(() => loadConfig(ctx({ envName: 'Prod_1' })), /envName/);
    assert.throws(() => loadConfig(ctx({ onDemand: '{"minSize":0}' })), /onDemand.minSize must be >= 1/);
    assert.throws(() => loadConfig(ctx({ spot: '{"large":{"minSize":5}}' })), /large: need minSize <= desiredSize <= maxSize/);
    assert.throws(() => loadConfig(ctx({ hostedZoneId: 'Z1' })), /hostedZoneId needs hostedZoneName and domainName/);
  });

  it('requires the operator\'s admin principal, naming the context key', () => {
    assert.throws(() => loadConfig(ctx({ adminPrincipalArn: undefined })), /adminPrincipalArn is required/);
    assert.throws(() => loadConfig(ctx({ adminPrincipalArn: '' })), /adminPrincipalArn is required/);
    assert.throws(() => loadConfig(ctx({ adminPrincipalArn: 'arn:aws:sts::111122223333:assumed-role/Admin/me' })),
      /adminPrincipalArn .* is not an IAM role or user ARN/);
    assert.equal(loadConfig(ctx({ adminPrincipalArn: 'arn:aws:iam::111122223333:user/ops' })).adminPrincipalArn,
      'arn:aws:iam::111122223333:user/ops');
  });

  it('requires the API endpoint\'s allowed ranges (production: not the whole Internet), or a private endpoint', () => {
    for (const config of ['default', 'production']) {
      assert.throws(() => loadConfig(ctx({ config, endpointPublicCidrs: undefined })), /endpointPublicCidrs is required/);
      assert.throws(() => loadConfig(ctx({ config, endpointPublicCidrs: '[]' })), /endpointPublicCidrs is required/);
      assert.throws(() => loadConfig(ctx({ config, endpointPublicCidrs: '["203.0.113.0"]' })), /not an IPv4 CIDR/);
      assert.deepEqual(loadConfig(ctx({ config })).endpointPublicCidrs, API_CIDRS);
      const priv = loadConfig(ctx({ config, endpointAccess: 'private', endpointPublicCidrs: undefined }));
      assert.equal(priv.endpointAccess, 'private');
      assert.throws(() => loadConfig(ctx({ config, endpointAccess: 'private' })), /applies to endpointAccess "publicAndPrivate" only/);
    }
    assert.throws(() => loadConfig(ctx({ config: 'production', endpointPublicCidrs: '["0.0.0.0/0"]' })), /whole Internet/);
    assert.deepEqual(loadConfig(ctx({ endpointPublicCidrs: '["0.0.0.0/0"]' })).endpointPublicCidrs, ['0.0.0.0/0'], 'a trial may open it on purpose');
    assert.throws(() => loadConfig(ctx({ endpointAccess: 'public' })), /endpointAccess must be/);
    assert.deepEqual(cdkJsonContext()['moodlecache:profiles'].default.endpointPublicCidrs, [], 'cdk.json opens the endpoint to nobody');
  });

  it('takes the near cache as the image does (on, a size with K, M or G)', () => {
    assert.deepEqual(loadConfig(ctx()).nearCache, { enabled: true, size: '64M' });
    assert.equal(loadConfig(ctx({ nearCache: '{"size":"256M"}' })).nearCache.size, '256M');
    assert.throws(() => loadConfig(ctx({ nearCache: '{"size":"64Mi"}' })), /nearCache must be/);
  });

  it('keeps account ids and ARNs out of cdk.json', () => {
    const text = JSON.stringify(cdkJsonContext()['moodlecache:profiles']);
    assert.doesNotMatch(text, /\d{12}/);
    assert.doesNotMatch(text, /arn:aws/);
  });
});
