import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { DatabaseConfig } from './config';
import { SUBNETS } from './network';

export interface DatabaseProps extends DatabaseConfig {
  readonly vpc: ec2.IVpc;
  /** The only security group admitted: the EKS cluster's (nodes and pods). */
  readonly clientSecurityGroup: ec2.ISecurityGroup;
  readonly production: boolean;
}

export const POSTGRES_PORT = 5432;

/**
 * Moodle's database: RDS for PostgreSQL, Multi-AZ, encrypted with its own KMS
 * key, TLS forced, credentials generated into Secrets Manager. Production
 * keeps deletion protection and a final snapshot.
 */
export class Database extends Construct {
  readonly instance: rds.DatabaseInstance;
  readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Moodle PostgreSQL: admits the EKS cluster only',
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(props.clientSecurityGroup, ec2.Port.tcp(POSTGRES_PORT), 'PostgreSQL from the EKS cluster');

    const engine = rds.DatabaseInstanceEngine.postgres({
      version: rds.PostgresEngineVersion.of(props.engineVersion, props.engineVersion.split('.')[0]),
    });
    const parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine,
      parameters: { 'rds.force_ssl': '1' },
    });
    const key = new kms.Key(this, 'Key', { description: 'Moodle database storage and logs', enableKeyRotation: true });

    this.instance = new rds.DatabaseInstance(this, 'Instance', {
      engine,
      parameterGroup,
      instanceType: new ec2.InstanceType(props.instanceType),
      vpc: props.vpc,
      vpcSubnets: { subnetGroupName: SUBNETS.data },
      securityGroups: [this.securityGroup],
      port: POSTGRES_PORT,
      multiAz: true,
      storageEncrypted: true,
      storageEncryptionKey: key,
      storageType: rds.StorageType.GP3,
      allocatedStorage: props.allocatedStorageGiB,
      maxAllocatedStorage: props.maxAllocatedStorageGiB,
      databaseName: props.databaseName,
      credentials: rds.Credentials.fromGeneratedSecret(props.username),
      backupRetention: Duration.days(props.backupRetentionDays),
      deletionProtection: props.production,
      removalPolicy: props.production ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
      enablePerformanceInsights: true,
      performanceInsightEncryptionKey: key,
      cloudwatchLogsExports: ['postgresql', 'upgrade'],
      autoMinorVersionUpgrade: true,
      copyTagsToSnapshot: true,
    });

    const ack = (rule: string, reason: string) => Validations.of(this.instance).acknowledge({ id: rule, reason });
    ack('AwsSolutions::AwsSolutions-RDS6', 'Moodle connects with a user name and password (no IAM token support); the password lives in Secrets Manager and TLS is forced.');
    ack('AwsSolutions::AwsSolutions-RDS11', 'The standard PostgreSQL port; the security group admits only the EKS cluster, so a non-default port would add no protection.');
    if (!props.production) {
      ack('AwsSolutions::AwsSolutions-RDS10', 'Non-production configuration: deletion protection is off so that `cdk destroy` tears the trial down; the production configuration turns it on.');
    }
    Validations.of(this.instance.node.findChild('Secret')).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason: 'Moodle reads the database password at pod start; automatic rotation would break running pods. Rotate with a rolling restart (README, Operations).',
    });
  }
}
