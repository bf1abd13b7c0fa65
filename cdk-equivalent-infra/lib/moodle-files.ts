import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ObjectStorageConfig } from './config';
import { PodIdentity } from './pod-identity';

export interface MoodleFilesProps extends ObjectStorageConfig {
  readonly cluster: eks.Cluster;
  /** Where S3 server access logs go. */
  readonly accessLogs: s3.IBucket;
  /** The Moodle release's namespace and service account (Pod Identity). */
  readonly namespace: string;
  readonly serviceAccount: string;
}

/**
 * Moodle's files on S3 (tool_objectfs): a bucket encrypted with its own key,
 * versioned, closed to the public, TLS only, with server access logs and a
 * lifecycle that moves objects to Intelligent-Tiering and expires old
 * versions; kept when the stack is deleted. The Moodle pods' Pod Identity
 * role may list the bucket and read and write its objects, nothing else:
 * objectfs never deletes objects with deleteexternal off, so neither can the
 * role, and a version survives anything the application does.
 */
export class MoodleFiles extends Construct {
  readonly bucket: s3.Bucket;
  readonly key: kms.Key;
  readonly identity: PodIdentity;

  constructor(scope: Construct, id: string, props: MoodleFilesProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', { description: 'Moodle files on S3 (tool_objectfs)', enableKeyRotation: true });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 's3/moodle-files/',
      lifecycleRules: [{
        id: 'cheaper-storage',
        transitions: [{ storageClass: s3.StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(props.transitionDays) }],
        noncurrentVersionExpiration: Duration.days(props.noncurrentVersionDays),
        abortIncompleteMultipartUploadAfter: Duration.days(7),
      }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.identity = new PodIdentity(this, 'Identity', {
      cluster: props.cluster,
      namespace: props.namespace,
      serviceAccount: props.serviceAccount,
      statements: [
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }),
        new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject'], resources: [this.bucket.arnForObjects('*')] }),
        new iam.PolicyStatement({
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [this.key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com` } },
        }),
      ],
    });
    Validations.of(this.identity.node.findChild('Policy')).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${this.bucketLogicalId()}.Arn>/*]`,
      reason: 'tool_objectfs names objects by content hash, unknown in advance; the wildcard covers the objects of this one bucket only, for get and put.',
    });
  }

  /** The bucket's logical id as cdk-nag names it in findings. */
  private bucketLogicalId(): string {
    return Stack.of(this).resolve((this.bucket.node.defaultChild as s3.CfnBucket).logicalId);
  }
}
