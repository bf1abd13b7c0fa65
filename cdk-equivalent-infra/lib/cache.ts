import { RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { CacheConfig } from './config';
import { SUBNETS } from './network';

export interface CacheProps extends CacheConfig {
  readonly vpc: ec2.IVpc;
  readonly clientSecurityGroup: ec2.ISecurityGroup;
  readonly envName: string;
  readonly production: boolean;
}

export const VALKEY_PORT = 6379;

/**
 * Moodle's application cache and sessions: an ElastiCache for Valkey
 * replication group (one shard, replicas in other AZs, automatic failover),
 * TLS required in transit, an AUTH token generated in Secrets Manager, and
 * at-rest encryption with its own KMS key.
 */
export class Cache extends Construct {
  readonly replicationGroup: elasticache.CfnReplicationGroup;
  readonly authToken: secretsmanager.Secret;
  readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: CacheProps) {
    super(scope, id);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Moodle Valkey: admits the EKS cluster only',
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(props.clientSecurityGroup, ec2.Port.tcp(VALKEY_PORT), 'Valkey (TLS) from the EKS cluster');

    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'Subnets', {
      description: 'Moodle Valkey data subnets',
      subnetIds: props.vpc.selectSubnets({ subnetGroupName: SUBNETS.data }).subnetIds,
    });

    const key = new kms.Key(this, 'Key', { description: 'Moodle Valkey at rest and AUTH token', enableKeyRotation: true });
    // AUTH tokens: 16-128 printable characters without @ " / ; alphanumerics avoid quoting issues.
    this.authToken = new secretsmanager.Secret(this, 'AuthToken', {
      description: 'AUTH token of the Moodle Valkey replication group',
      encryptionKey: key,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(this.authToken).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason: 'Rotating the AUTH token needs the ROTATE strategy on the replication group and a restart of the Moodle pods; done as a runbook (README, Operations), not on a timer.',
    });

    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupDescription: `Moodle cache (${props.envName})`,
      engine: 'valkey',
      engineVersion: props.engineVersion,
      cacheNodeType: props.nodeType,
      numNodeGroups: 1,
      replicasPerNodeGroup: props.replicasPerShard,
      multiAzEnabled: true,
      automaticFailoverEnabled: true,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      atRestEncryptionEnabled: true,
      kmsKeyId: key.keyArn,
      authToken: SecretValue.secretsManager(this.authToken.secretArn).unsafeUnwrap(),
      port: VALKEY_PORT,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [this.securityGroup.securityGroupId],
      snapshotRetentionLimit: props.production ? 7 : 1,
      autoMinorVersionUpgrade: true,
    });
    this.replicationGroup.applyRemovalPolicy(props.production ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY);

    Validations.of(this.replicationGroup).acknowledge({
      id: 'AwsSolutions::AwsSolutions-AEC5',
      reason: 'The standard port; the security group admits only the EKS cluster and every client must present TLS and the AUTH token.',
    });
  }
}
