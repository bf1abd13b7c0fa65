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

    it('runs a Valkey with hash-field expiry (9.0 or newer): TTLs kept on the server, no scripts', () => {
      const [major] = p.cache.engineVersion.split('.').map(Number);
      assert.ok(major >= 9, `engineVersion ${p.cache.engineVersion} has no hash-field expiry`);
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

    it('lets the near cache do what it needs: Pub/Sub on __moodlecache__:*, SET, INFO (the AUTH-token user, default parameters)', () => {
      const [rg] = Object.values(t.findResources('AWS::ElastiCache::ReplicationGroup')) as any[];
      // An RBAC user group would replace the AUTH-token user, which may run
      // every command on every key and channel; its users would then need
      // "&__moodlecache__:*" (or "&*") and +subscribe +publish +set +info +ping.
      assert.equal(rg.Properties.UserGroupIds, undefined, 'a user group: grant the near cache its channels and commands, then update this test');
      // A custom parameter group could rename or disable commands the listener runs.
      assert.equal(rg.Properties.CacheParameterGroupName, undefined, 'a custom parameter group: check it renames no command the near cache needs');
      t.resourceCountIs('AWS::ElastiCache::ParameterGroup', 0);
      t.resourceCountIs('AWS::ElastiCache::UserGroup', 0);
    });

    it('admits only the EKS cluster on 6379', () => {
      admitsOnlyCluster(t, 'Moodle Valkey: admits the EKS cluster only', 6379);
    });
  });
}
