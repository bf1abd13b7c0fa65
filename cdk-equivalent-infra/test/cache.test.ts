import { strict as assert } from 'assert';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { CONFIGS, profile, template } from './helpers';
import { admitsOnlyCluster } from './security-groups';

for (const config of CONFIGS) {
  describe(`ElastiCache Valkey (${config})`, () => {
    const t = template(config);
    const p = profile(config);

    it('is a Multi-AZ replication group with automatic failover', () => {
      t.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
        Engine: 'valkey',
        EngineVersion: p.cache.engineVersion,
        CacheNodeType: p.cache.nodeType,
        NumNodeGroups: 1,
        ReplicasPerNodeGroup: p.cache.replicasPerShard,
        MultiAZEnabled: true,
        AutomaticFailoverEnabled: true,
      });
      assert.ok(p.cache.replicasPerShard >= 1);
    });

    it('requires TLS in transit and encrypts at rest with its own key', () => {
      t.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
        TransitEncryptionEnabled: true,
        TransitEncryptionMode: 'required',
        AtRestEncryptionEnabled: true,
        KmsKeyId: Match.objectLike({ 'Fn::GetAtt': Match.anyValue() }),
      });
    });

    it('takes its AUTH token from a generated Secrets Manager secret', () => {
      const [rg] = Object.values(t.findResources('AWS::ElastiCache::ReplicationGroup')) as any[];
      const token = JSON.stringify(rg.Properties.AuthToken);
      assert.match(token, /\{\{resolve:secretsmanager:/);
      const secrets = t.findResources('AWS::SecretsManager::Secret', {
        Properties: { Description: 'AUTH token of the Moodle Valkey replication group' },
      });
      const [secretId] = Object.keys(secrets);
      assert.ok(secretId, 'no AUTH token secret');
      assert.ok(token.includes(secretId), 'AuthToken does not reference the generated secret');
      assert.equal((Object.values(secrets)[0] as any).Properties.GenerateSecretString.ExcludePunctuation, true);
    });

    it('admits only the EKS cluster on 6379', () => {
      admitsOnlyCluster(t, 'Moodle Valkey: admits the EKS cluster only', 6379);
    });
  });
}
