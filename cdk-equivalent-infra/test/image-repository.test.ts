import { strict as assert } from 'assert';
import { describe, it } from 'node:test';
import { KEPT_IMAGES, UNTAGGED_DAYS } from '../lib/image-repository';
import { CONFIGS, profile, template } from './helpers';

for (const config of CONFIGS) {
  describe(`ECR repository of the Moodle image (${config})`, () => {
    const t = template(config);
    const repos = Object.values(t.findResources('AWS::ECR::Repository')) as any[];

    it('exists, one, named after the cluster', () => {
      assert.equal(repos.length, 1);
      assert.equal(repos[0].Properties.RepositoryName, `${profile(config).envName}-moodle/moodle`);
    });

    it('scans images on push and keeps tags immutable', () => {
      assert.deepEqual(repos[0].Properties.ImageScanningConfiguration, { ScanOnPush: true });
      assert.equal(repos[0].Properties.ImageTagMutability, 'IMMUTABLE');
    });

    it('expires untagged images and all but the newest tagged ones', () => {
      const rules = JSON.parse(repos[0].Properties.LifecyclePolicy.LifecyclePolicyText).rules;
      const untagged = rules.find((r: any) => r.selection.tagStatus === 'untagged');
      const any = rules.find((r: any) => r.selection.tagStatus === 'any');
      assert.deepEqual([untagged?.selection.countType, untagged?.selection.countNumber], ['sinceImagePushed', UNTAGGED_DAYS]);
      assert.deepEqual([any?.selection.countType, any?.selection.countNumber], ['imageCountMoreThan', KEPT_IMAGES]);
      assert.ok(any.rulePriority > untagged.rulePriority, 'the "any" rule must come last');
    });

    it(config === 'production' ? 'is kept when the stack is deleted' : 'is emptied and deleted with the stack', () => {
      assert.equal(repos[0].DeletionPolicy, config === 'production' ? 'Retain' : 'Delete');
      assert.equal(Boolean(repos[0].Properties.EmptyOnDelete), config !== 'production');
    });
  });
}
