import { strict as assert } from 'assert';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { CONFIGS, profile, template } from './helpers';
import { admitsOnlyCluster } from './security-groups';

for (const config of CONFIGS) {
  describe(`EFS moodledata (${config})`, () => {
    const t = template(config);
    const p = profile(config);

    it('is encrypted, backed up, elastic, and retained on stack deletion', () => {
      t.hasResource('AWS::EFS::FileSystem', {
        Properties: Match.objectLike({
          Encrypted: true,
          KmsKeyId: Match.anyValue(),
          ThroughputMode: p.efs.throughputMode,
          BackupPolicy: { Status: 'ENABLED' },
        }),
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    it('has a mount target in each AZ', () => {
      t.resourceCountIs('AWS::EFS::MountTarget', p.azCount);
    });

    it('denies unencrypted transport in its file system policy', () => {
      const [fs] = Object.values(t.findResources('AWS::EFS::FileSystem')) as any[];
      const deny = fs.Properties.FileSystemPolicy.Statement.find((s: any) => s.Effect === 'Deny');
      assert.deepEqual(deny?.Condition, { Bool: { 'aws:SecureTransport': 'false' } });
    });

    it('has an access point for /moodledata owned by the image user', () => {
      const uid = String(p.efs.moodledataUid);
      const gid = String(p.efs.moodledataGid);
      t.hasResourceProperties('AWS::EFS::AccessPoint', {
        RootDirectory: { Path: '/moodledata', CreationInfo: { OwnerUid: uid, OwnerGid: gid, Permissions: '0770' } },
        PosixUser: { Uid: uid, Gid: gid },
      });
    });

    it('admits only the EKS cluster on 2049', () => {
      admitsOnlyCluster(t, 'Moodle EFS: admits the EKS cluster only', 2049);
    });
  });
}
