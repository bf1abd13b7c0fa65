import { strict as assert } from 'assert';
import { describe, it } from 'node:test';
import { CONFIGS, profile, template } from './helpers';

for (const config of CONFIGS) {
  const p = profile(config);
  describe(`Moodle files on S3 (${config}: ${p.objectStorage.enabled ? 'on' : 'off'})`, () => {
    const t = template(config);
    const buckets = Object.entries(t.findResources('AWS::S3::Bucket')).filter(([id]) => id.startsWith('MoodleFilesBucket'));

    if (!p.objectStorage.enabled) {
      it('has no files bucket and no Pod Identity role for Moodle', () => {
        assert.equal(buckets.length, 0);
        t.resourcePropertiesCountIs('AWS::EKS::PodIdentityAssociation', { Namespace: 'moodle' }, 0);
      });
      return;
    }
    const [[bucketId, bucket]] = buckets as [string, any][];
    const props = bucket.Properties;

    it('encrypts with its own KMS key, versions objects, blocks public access, is kept on deletion', () => {
      const [rule] = props.BucketEncryption.ServerSideEncryptionConfiguration;
      assert.equal(rule.ServerSideEncryptionByDefault.SSEAlgorithm, 'aws:kms');
      assert.match(JSON.stringify(rule.ServerSideEncryptionByDefault.KMSMasterKeyID), /MoodleFilesKey/);
      assert.equal(props.VersioningConfiguration.Status, 'Enabled');
      assert.deepEqual(props.PublicAccessBlockConfiguration, { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      assert.equal(bucket.DeletionPolicy, 'Retain');
    });

    it('moves objects to cheaper storage and expires old versions', () => {
      const [rule] = props.LifecycleConfiguration.Rules;
      assert.deepEqual(rule.Transitions, [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: p.objectStorage.transitionDays }]);
      assert.deepEqual(rule.NoncurrentVersionExpiration, { NoncurrentDays: p.objectStorage.noncurrentVersionDays });
    });

    it('admits TLS only and logs its accesses', () => {
      const [policy] = Object.values(t.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: bucketId } } })) as any[];
      assert.ok(policy.Properties.PolicyDocument.Statement.some((s: any) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false'));
      assert.match(JSON.stringify(props.LoggingConfiguration.DestinationBucketName), /AccessLogsBucket/);
    });

    it('gives the Moodle pods (moodle/moodle) a Pod Identity role scoped to this bucket and its key', () => {
      const [assoc] = Object.values(t.findResources('AWS::EKS::PodIdentityAssociation', { Properties: { Namespace: 'moodle' } })) as any[];
      assert.equal(assoc.Properties.ServiceAccount, 'moodle');
      const roleId = assoc.Properties.RoleArn['Fn::GetAtt'][0];
      const policies = Object.values(t.findResources('AWS::IAM::Policy')).filter((x: any) => JSON.stringify(x.Properties.Roles).includes(roleId)) as any[];
      const statements = policies.flatMap((x) => x.Properties.PolicyDocument.Statement);
      const bucketArn = { 'Fn::GetAtt': [bucketId, 'Arn'] };
      const objects = { 'Fn::Join': ['', [bucketArn, '/*']] };
      for (const s of statements) {
        const actions = ([] as string[]).concat(s.Action);
        assert.ok(actions.every((a) => !a.includes('*')), `wildcard action in ${JSON.stringify(s)}`);
        if (actions.every((a) => a.startsWith('kms:'))) {
          assert.match(JSON.stringify(s.Resource), /MoodleFilesKey/);
          assert.ok(s.Condition?.StringEquals?.['kms:ViaService'], 'KMS use not limited to S3');
        } else {
          assert.ok([bucketArn, objects].some((r) => JSON.stringify(r) === JSON.stringify(s.Resource)), `statement beyond the bucket: ${JSON.stringify(s)}`);
        }
      }
      const granted = new Set(statements.flatMap((s: any) => ([] as string[]).concat(s.Action)));
      assert.deepEqual([...granted].sort(), ['kms:Decrypt', 'kms:GenerateDataKey', 's3:GetObject', 's3:ListBucket', 's3:PutObject']);
    });
  });
}
