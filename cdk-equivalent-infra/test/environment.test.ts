import { strict as assert } from 'assert';
import { describe, it } from 'node:test';
import { Token } from 'aws-cdk-lib';
import { CONFIGS, CONTEXT_ARNS, synthesized } from './helpers';

for (const config of CONFIGS) {
  describe(`offline synthesis (${config})`, () => {
    const { stack, template, missingContext } = synthesized(config);

    it('is environment-agnostic: no account or region, so no credentials are needed', () => {
      assert.ok(Token.isUnresolved(stack.account));
      assert.ok(Token.isUnresolved(stack.region));
    });

    it('needs no context lookups', () => {
      assert.deepEqual(missingContext, []);
    });

    it('hard-codes no account id and no partition in ARNs (beyond the ARNs it is given as context)', () => {
      const text = CONTEXT_ARNS.reduce((t, arn) => t.split(arn).join('<context ARN>'), JSON.stringify(template.toJSON()));
      assert.doesNotMatch(text, /(^|[^0-9a-f])[0-9]{12}([^0-9a-f]|$)/);
      assert.doesNotMatch(text, /arn:aws:/);
    });
  });
}
