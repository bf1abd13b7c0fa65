import { strict as assert } from 'assert';
import { describe, it } from 'node:test';
import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { cdkJsonContext, CONFIGS, synth, synthesized, SynthesisFailed } from './helpers';

describe('policy validation settings', () => {
  it('treats CloudFormation validator findings as errors (cdk.json feature flag)', () => {
    assert.equal(cdkJsonContext()['@aws-cdk/core:validateAgainstDefaultRules'], true);
  });
});

/** Every acknowledgement recorded in the stack: construct path, rule id, reason. */
function acknowledgements(stack: Stack): { path: string; id: string; reason: string }[] {
  return stack.node.findAll().flatMap((c) => c.node.metadata
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: c.node.path, id, reason }))));
}

for (const config of CONFIGS) {
  describe(`cdk-nag AwsSolutions and the CloudFormation validator (${config})`, () => {
    // synthesized() throws SynthesisFailed, naming each finding, if either
    // plugin reports one that is not acknowledged.
    const { stack, reports } = synthesized(config);

    it('synthesizes with zero unacknowledged findings', () => {
      const open = reports.flatMap((r) => r.violations.map((v) => `${r.pluginName} ${v.ruleName}`));
      assert.deepEqual(open, []);
      for (const r of reports) assert.equal(r.conclusion, 'success', r.pluginName);
    });

    it('acknowledges each finding by one rule on one resource, with a written reason', () => {
      const acks = acknowledgements(stack);
      assert.ok(acks.length > 0);
      for (const a of acks) {
        assert.match(a.id, /^(AwsSolutions::AwsSolutions-[A-Z]+[0-9]+|CloudFormation-Validate::[EFW][0-9]+)(\[.+\])?$/, `${a.path}: ${a.id}`);
        assert.notEqual(a.path, stack.node.path, `${a.id} is acknowledged for the whole stack`);
        assert.ok(a.reason.trim().length >= 40, `${a.path} ${a.id}: reason too short: "${a.reason}"`);
      }
    });
  });
}

describe('negative control', () => {
  it('fails synthesis on an unacknowledged cdk-nag finding and on an invalid template', () => {
    let failure: SynthesisFailed | undefined;
    try {
      synth('default', {}, (stack) => {
        new sqs.Queue(stack, 'UnreviewedQueue');
        new CfnResource(stack, 'InvalidQueue', { type: 'AWS::SQS::Queue', properties: { MessageRetentionPeriod: 'a week' } });
      });
    } catch (e) {
      if (e instanceof SynthesisFailed) failure = e;
      else throw e;
    }
    assert.ok(failure, 'synthesis passed');
    assert.ok(failure.findings.some((f) => /^AwsSolutions AwsSolutions-SQS3 at .*UnreviewedQueue/.test(f)), failure.message);
    assert.ok(failure.findings.some((f) => /^CloudFormation Validate F\d+ at .*InvalidQueue/.test(f)), failure.message);
  });
});
