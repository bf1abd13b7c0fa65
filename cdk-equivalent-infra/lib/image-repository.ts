import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct } from 'constructs';

export interface ImageRepositoryProps {
  /** Repository name, e.g. dev-moodle/moodle. */
  readonly repositoryName: string;
  readonly production: boolean;
}

/** Images kept besides the newest: older tagged images expire beyond this count. */
export const KEPT_IMAGES = 30;
/** Days an untagged image (an overwritten build, a failed push) is kept. */
export const UNTAGGED_DAYS = 7;

/**
 * The registry of the Moodle image (docker/): the chart's default
 * moodlecache/moodle is published nowhere, so the stack holds the repository
 * the operator pushes to and the nodes pull from (their role has
 * AmazonEC2ContainerRegistryReadOnly). Images are scanned on push, tags are
 * immutable (a tag names one build, so a rollback is exact), and a lifecycle
 * policy drops untagged images and all but the newest tagged ones. Kept on
 * stack deletion in production; emptied and deleted otherwise.
 */
export class ImageRepository extends Construct {
  readonly repository: ecr.Repository;

  constructor(scope: Construct, id: string, props: ImageRepositoryProps) {
    super(scope, id);
    this.repository = new ecr.Repository(this, 'Repository', {
      repositoryName: props.repositoryName,
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      encryption: ecr.RepositoryEncryption.AES_256,
      lifecycleRules: [
        { rulePriority: 1, description: `Untagged images after ${UNTAGGED_DAYS} days`, tagStatus: ecr.TagStatus.UNTAGGED, maxImageAge: Duration.days(UNTAGGED_DAYS) },
        { rulePriority: 2, description: `Keep the newest ${KEPT_IMAGES} images`, tagStatus: ecr.TagStatus.ANY, maxImageCount: KEPT_IMAGES },
      ],
      removalPolicy: props.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      emptyOnDelete: !props.production,
    });
  }
}
