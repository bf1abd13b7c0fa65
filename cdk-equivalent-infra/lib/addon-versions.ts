import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { ADDON_NAMES, AddonChart, AddonVersions, ContextSource } from './config';

/**
 * Pinned Helm chart versions of the cluster add-ons.
 *
 * The source of truth is `k8s/addons/versions.yaml`, owned by the chart
 * (`{addonName: {chart, repository, version, namespace}}`), so the CDK app and
 * a manual `helm install` of the add-ons install the same versions. When that
 * file is absent (or lacks an add-on), the fallback pins in cdk.json context
 * `moodlecache:addonVersions` are used.
 *
 * The add-on configuration beside it (`k8s/addons/<name>/values.yaml`) is
 * read the same way: when present it is the base of each chart's values, and
 * the constructs add only what the cluster determines (name, region, VPC,
 * identities, the autoscaler's priorities by node group name).
 */
export const ADDONS_DIR = path.join(__dirname, '..', '..', 'k8s', 'addons');
export const VERSIONS_FILE = path.join(ADDONS_DIR, 'versions.yaml');
export const FALLBACK_KEY = 'moodlecache:addonVersions';

export interface ResolvedAddonVersions {
  readonly versions: AddonVersions;
  /** Where each add-on's pin came from: the versions file or cdk.json. */
  readonly source: Record<string, 'versions.yaml' | 'cdk.json'>;
}

function checkChart(name: string, where: string, v: unknown): AddonChart {
  const c = v as Partial<AddonChart>;
  for (const field of ['chart', 'repository', 'version', 'namespace'] as const) {
    if (typeof c?.[field] !== 'string' || c[field] === '') {
      throw new Error(`${where}: add-on "${name}" needs a non-empty string "${field}"`);
    }
  }
  if (!/^v?\d+\.\d+\.\d+$/.test(c.version!)) {
    throw new Error(`${where}: add-on "${name}" version "${c.version}" is not an exact pin`);
  }
  if (c.appVersion !== undefined && !/^\d+\.\d+\.\d+$/.test(String(c.appVersion))) {
    throw new Error(`${where}: add-on "${name}" appVersion "${c.appVersion}" is not an exact x.y.z release`);
  }
  return c as AddonChart;
}

export function resolveAddonVersions(ctx: ContextSource, file: string = VERSIONS_FILE): ResolvedAddonVersions {
  const fromFile: Record<string, unknown> = fs.existsSync(file)
    ? (YAML.parse(fs.readFileSync(file, 'utf8')) ?? {})
    : {};
  const fallback = (ctx.tryGetContext(FALLBACK_KEY) ?? {}) as Record<string, unknown>;
  const versions = {} as Record<string, AddonChart>;
  const source: Record<string, 'versions.yaml' | 'cdk.json'> = {};
  for (const name of ADDON_NAMES) {
    if (fromFile[name] !== undefined) {
      versions[name] = checkChart(name, file, fromFile[name]);
      source[name] = 'versions.yaml';
    } else if (fallback[name] !== undefined) {
      versions[name] = checkChart(name, `cdk.json ${FALLBACK_KEY}`, fallback[name]);
      source[name] = 'cdk.json';
    } else {
      throw new Error(`no pinned version for add-on "${name}" in ${file} or cdk.json ${FALLBACK_KEY}`);
    }
  }
  return { versions: versions as AddonVersions, source };
}

/** Parsed YAML of a file under k8s/addons/, or undefined when it does not exist. */
export function readAddonFile(relative: string, dir: string = ADDONS_DIR): Record<string, unknown> | undefined {
  const file = path.join(dir, relative);
  return fs.existsSync(file) ? (YAML.parse(fs.readFileSync(file, 'utf8')) ?? {}) : undefined;
}
