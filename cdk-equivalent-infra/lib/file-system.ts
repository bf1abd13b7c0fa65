import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { EfsConfig } from './config';
import { SUBNETS } from './network';

export interface MoodledataProps extends EfsConfig {
  readonly vpc: ec2.IVpc;
  readonly clientSecurityGroup: ec2.ISecurityGroup;
}

export const NFS_PORT = 2049;
export const MOODLEDATA_PATH = '/moodledata';
/** What an NFS client needs to mount moodledata and write to it. */
export const CLIENT_ACTIONS = ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'] as const;

/**
 * `moodledata` on EFS: encrypted with its own key, a mount target in each
 * AZ's data subnet, automatic backups, kept when the stack is deleted, TLS
 * required by the file-system policy. Elastic throughput by default: Moodle
 * reads and writes many small files in bursts (cache, sessions, temp, course
 * backups), which elastic throughput serves without a credit balance to run
 * dry. The access point roots the app in /moodledata as the image's user.
 */
export class Moodledata extends Construct {
  readonly fileSystem: efs.FileSystem;
  readonly accessPoint: efs.AccessPoint;
  readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: MoodledataProps) {
    super(scope, id);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Moodle EFS: admits the EKS cluster only',
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(props.clientSecurityGroup, ec2.Port.tcp(NFS_PORT), 'NFS from the EKS cluster');

    this.fileSystem = new efs.FileSystem(this, 'FileSystem', {
      vpc: props.vpc,
      vpcSubnets: { subnetGroupName: SUBNETS.data },
      securityGroup: this.securityGroup,
      encrypted: true,
      kmsKey: new kms.Key(this, 'Key', { description: 'Moodle moodledata on EFS', enableKeyRotation: true }),
      performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
      throughputMode: props.throughputMode === 'elastic' ? efs.ThroughputMode.ELASTIC : efs.ThroughputMode.BURSTING,
      enableAutomaticBackups: true,
      removalPolicy: RemovalPolicy.RETAIN,
      // The policy below is the whole of it: no CDK default statement.
      allowAnonymousAccess: true,
    });
    // A file-system policy replaces EFS's default allow-all, so it must allow
    // the mount itself: the CSI node plugin mounts without the `iam` option
    // (as an anonymous NFS client), reached through a mount target, which the
    // security group opens to the cluster only. No ClientRootAccess: the access
    // point maps every client to the image's user.
    this.fileSystem.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowMountThroughMountTargets',
      effect: iam.Effect.ALLOW,
      principals: [new iam.AnyPrincipal()],
      actions: [...CLIENT_ACTIONS],
      conditions: { Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'true' } },
    }));
    this.fileSystem.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'DenyUnencryptedTransport',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['*'],
      conditions: { Bool: { 'aws:SecureTransport': 'false' } },
    }));

    this.accessPoint = this.fileSystem.addAccessPoint('Moodledata', {
      path: MOODLEDATA_PATH,
      posixUser: { uid: String(props.moodledataUid), gid: String(props.moodledataGid) },
      createAcl: { ownerUid: String(props.moodledataUid), ownerGid: String(props.moodledataGid), permissions: '0770' },
    });
  }
}
