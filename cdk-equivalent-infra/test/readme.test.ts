import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { describe, it } from 'node:test';
import { CONFIGS, template } from './helpers';

const ROOT = path.join(__dirname, '..', '..');
const READMES = ['cdk-equivalent-infra/README.md', 'k8s/README.md'].filter((f) => fs.existsSync(path.join(ROOT, f)));

/** Shell commands of a Markdown file's code blocks, continuation lines joined. */
function commands(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.flatMap((b) => b.replace(/\\\n\s*/g, ' ').split('\n')).map((l) => l.trim()).filter(Boolean);
}

describe('README walk-through', () => {
  it('installs the chart with the same --timeout everywhere (a first install takes 15-20 minutes)', () => {
    const installs = READMES.flatMap((f) => commands(f).filter((c) => c.startsWith('helm upgrade --install moodle')).map((c) => ({ f, c })));
    assert.ok(installs.length >= 2, `found ${installs.length} chart installs in ${READMES.join(', ')}`);
    const timeouts = installs.map(({ f, c }) => `${f}: ${/--timeout (\S+)/.exec(c)?.[1] ?? 'none'}`);
    const values = new Set(timeouts.map((t) => t.split(': ')[1]));
    assert.ok(!values.has('none') && values.size === 1, timeouts.join('\n'));
    const minutes = Number(/^(\d+)m$/.exec([...values][0])?.[1]);
    assert.ok(minutes >= 20, `--timeout ${[...values][0]} is shorter than a first install`);
  });

  it('names only outputs the stack has', () => {
    const outputs = new Set(CONFIGS.flatMap((c) => Object.keys(template(c).findOutputs('*'))));
    for (const f of READMES) {
      const text = fs.readFileSync(path.join(ROOT, f), 'utf8');
      const named = [...text.matchAll(/(?:output |Output |`\.\[\]\.)`?([A-Z][A-Za-z]+(?:Arn|Uri|Id|Endpoint|Port|Name|Cidr|Tls|Values|Command|Region))\b/g)].map((m) => m[1]);
      const table = [...text.matchAll(/^\| ((?:`[A-Z][A-Za-z]+`(?:, )?)+)/gm)].flatMap((m) => m[1].match(/[A-Z][A-Za-z]+/g) ?? []);
      for (const name of new Set([...named, ...table])) assert.ok(outputs.has(name), `${f} names output ${name}, which the stack does not have`);
    }
  });
});
