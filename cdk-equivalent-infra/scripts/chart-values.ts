#!/usr/bin/env node
/**
 * Writes the Moodle chart's values for a deployed stack, from the file that
 * `cdk deploy --outputs-file outputs.json` wrote:
 *
 *   npx ts-node scripts/chart-values.ts outputs.json [stack-name] > values-aws.yaml
 *
 * The stack's ChartValues output holds them; the stack name may be omitted
 * when the file has one stack.
 */
import * as fs from 'fs';
import * as YAML from 'yaml';

export function valuesFromOutputs(outputs: Record<string, Record<string, string>>, stackName?: string): Record<string, unknown> {
  const names = Object.keys(outputs);
  const name = stackName ?? (names.length === 1 ? names[0] : undefined);
  if (name === undefined) throw new Error(`name the stack: the outputs file has ${names.join(', ') || 'no stacks'}`);
  const stack = outputs[name];
  if (!stack) throw new Error(`no stack ${name} in the outputs file (has ${names.join(', ')})`);
  if (!stack.ChartValues) throw new Error(`stack ${name} has no ChartValues output`);
  return JSON.parse(stack.ChartValues);
}

export function main(argv: string[]): string {
  const [file, stackName] = argv;
  if (!file) throw new Error('usage: chart-values.ts OUTPUTS_JSON [STACK_NAME]');
  const values = valuesFromOutputs(JSON.parse(fs.readFileSync(file, 'utf8')), stackName);
  return `# Generated from ${file} by scripts/chart-values.ts: values for k8s/charts/moodle\n${YAML.stringify(values)}`;
}

if (require.main === module) {
  try {
    process.stdout.write(main(process.argv.slice(2)));
  } catch (e) {
    process.stderr.write(`chart-values: ${(e as Error).message}\n`);
    process.exit(1);
  }
}
