import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface AccessLogsProps {
  readonly production: boolean;
}

/**
 * The bucket of access logs: CloudFront's standard logs and the server access
 * logs of the Moodle files bucket. Both services deliver only to buckets
 * encrypted with S3-managed keys, and CloudFront writes with an ACL, so the
 * bucket owner must be able to own those objects (BUCKET_OWNER_PREFERRED).
 * Logs expire after a year in production, 30 days otherwise. The bucket is
 * kept when the stack is deleted (a bucket holding objects cannot be deleted
 * by CloudFormation): delete it by hand.
 */
export class AccessLogs extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AccessLogsProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(props.production ? 365 : 30), abortIncompleteMultipartUploadAfter: Duration.days(7) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging its own accesses into itself would loop, and a second log bucket would need the same exception.',
    });
  }
}
