import { strict as assert } from 'assert';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { efsAllows, NfsClient } from './efs-policy';
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

    const [fs] = Object.values(t.findResources('AWS::EFS::FileSystem')) as any[];
    const policy = fs.Properties.FileSystemPolicy;
    // What the EFS CSI node plugin is: no `iam` mount option, TLS, through a mount target.
    const csiMount: NfsClient = { anonymous: true, secureTransport: true, viaMountTarget: true };

    it('lets the CSI driver mount and write through a mount target, with TLS (no iam mount option)', () => {
      assert.ok(efsAllows(policy, 'elasticfilesystem:ClientMount', csiMount), 'ClientMount denied: every Moodle pod would stay in ContainerCreating');
      assert.ok(efsAllows(policy, 'elasticfilesystem:ClientWrite', csiMount), 'ClientWrite denied: moodledata would be read-only');
    });

    it('denies unencrypted transport, access not through a mount target, and root access', () => {
      assert.equal(efsAllows(policy, 'elasticfilesystem:ClientMount', { ...csiMount, secureTransport: false }), false);
      assert.equal(efsAllows(policy, 'elasticfilesystem:ClientMount', { ...csiMount, viaMountTarget: false }), false);
      assert.equal(efsAllows(policy, 'elasticfilesystem:ClientRootAccess', csiMount), false);
    });

    it('negative control: a policy of only the TLS Deny (no Allow) is caught as unmountable', () => {
      const denyOnly = { ...policy, Statement: policy.Statement.filter((s: any) => s.Effect === 'Deny') };
      assert.equal(denyOnly.Statement.length, 1);
      assert.equal(efsAllows(denyOnly, 'elasticfilesystem:ClientMount', csiMount), false);
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
