import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../lib/app';
import { deepMerge } from '../lib/merge';

/** The context of cdk.json, as the CLI would pass it to the app. */
export function cdkJsonContext(): Record<string, any> {
  return JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')).context;
}

/** A context source as the app reads it: cdk.json, the admin principal, then `extra`. */
export function contextOf(extra: Record<string, unknown> = {}): { tryGetContext(key: string): unknown } {
  const all: Record<string, unknown> = { ...cdkJsonContext(), adminPrincipalArn: ADMIN_PRINCIPAL, endpointPublicCidrs: API_CIDRS, ...extra };
  return { tryGetContext: (k: string) => all[k] };
}

export type ConfigName = 'default' | 'production';
export const CONFIGS: ConfigName[] = ['default', 'production'];

/**
 * Tests synthesize production with a hosted zone, so that the DNS-validated
 * certificate path is covered without a third full synthesis.
 */
export const PRODUCTION_ZONE = { hostedZoneId: 'Z0123456789EXAMPLE', hostedZoneName: 'example.org', domainName: 'learn.example.org' };
/** The operator's principal every deployment must name (AWS's documentation account id). */
export const ADMIN_PRINCIPAL = 'arn:aws:iam::111122223333:role/moodle-admin';
/** Who may reach the public API endpoint (a documentation range, RFC 5737). */
export const API_CIDRS = ['203.0.113.0/24'];
/** CloudFront's certificate for PRODUCTION_ZONE's domain (us-east-1). */
export const CLOUDFRONT_CERTIFICATE = 'arn:aws:acm:us-east-1:111122223333:certificate/11111111-2222-3333-4444-555555555555';
/** ARNs the tests give as context: the only account ids a template may hold. */
export const CONTEXT_ARNS = [ADMIN_PRINCIPAL, CLOUDFRONT_CERTIFICATE];
const TEST_CONTEXT: Record<ConfigName, Record<string, unknown>> = {
  default: { adminPrincipalArn: ADMIN_PRINCIPAL, endpointPublicCidrs: API_CIDRS },
  production: { adminPrincipalArn: ADMIN_PRINCIPAL, endpointPublicCidrs: API_CIDRS, ...PRODUCTION_ZONE, cloudFront: { certificateArn: CLOUDFRONT_CERTIFICATE } },
};

export interface Violation {
  ruleName: string;
  description: string;
  violatingConstructs: { constructPath: string }[];
}
export interface Suppressed extends Violation {
  acknowledgedId: string;
  reason: string;
}
export interface PluginReport {
  pluginName: string;
  conclusion: string;
  violations: Violation[];
  suppressedViolations?: Suppressed[];
}

export interface Synthesized {
  readonly stack: Stack;
  readonly template: Template;
  /** Policy validation report (cdk-nag, CloudFormation validator) of the synthesis. */
  readonly reports: PluginReport[];
  /** Context lookups the app asked for (cloud assembly manifest "missing"). */
  readonly missingContext: unknown[];
}

/**
 * Builds and synthesizes the app for a configuration plus extra context, in a
 * temp outdir. `mutate` may change the stack before synthesis (negative tests).
 */
export function synth(config: ConfigName, extra: Record<string, unknown> = {}, mutate?: (stack: Stack) => void): Synthesized {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'moodle-cdk-test-'));
  const { stack } = buildApp({ outdir, context: { ...cdkJsonContext(), config, ...TEST_CONTEXT[config], ...extra } });
  mutate?.(stack);
  try {
    const template = Template.fromStack(stack);
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
    return { stack, template, reports: readReports(outdir), missingContext: manifest.missing ?? [] };
  } catch (e) {
    // Synthesis fails on an unacknowledged cdk-nag or validator finding: name them.
    const findings = readReports(outdir).flatMap((r) => r.violations.flatMap((v) =>
      v.violatingConstructs.map((c) => `${r.pluginName} ${v.ruleName} at ${c.constructPath}: ${v.description}`)));
    throw new SynthesisFailed(`${(e as Error).message}\n${findings.join('\n')}`, findings);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

export class SynthesisFailed extends Error {
  constructor(message: string, readonly findings: string[]) {
    super(message);
  }
}

/** The plugin reports of the validation report a synthesis wrote to outdir. */
export function readReports(outdir: string): PluginReport[] {
  const file = path.join(outdir, 'validation-report.json');
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).pluginReports : [];
}

const cache = new Map<string, Synthesized>();

/** synth() without mutation, once per configuration and context per process. */
export function synthesized(config: ConfigName, extra: Record<string, unknown> = {}): Synthesized {
  const key = `${config}:${JSON.stringify(extra)}`;
  if (!cache.has(key)) cache.set(key, synth(config, extra));
  return cache.get(key)!;
}

export function template(config: ConfigName, extra: Record<string, unknown> = {}): Template {
  return synthesized(config, extra).template;
}

/** A profile of cdk.json merged over the default one, for expectations that follow cdk.json. */
export function profile(config: ConfigName): any {
  const profiles = cdkJsonContext()['moodlecache:profiles'];
  return config === 'default' ? profiles.default : deepMerge(profiles.default, profiles[config]);
}
