import { App, AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { resolveAddonVersions } from './addon-versions';
import { loadConfig } from './config';
import { MoodleStack } from './moodle-stack';

export const EKS_ADDON_VERSIONS_KEY = 'moodlecache:eksAddonVersions';

/**
 * Builds the app: the configuration chosen by context, one MoodleStack named
 * moodle-<envName>, and the cdk-nag AwsSolutions pack as a validation plugin
 * (any finding not acknowledged with a reason fails synthesis).
 */
export function buildApp(props?: AppProps & { versionsFile?: string }): { app: App; stack: MoodleStack } {
  const app = new App(props);
  const config = loadConfig(app.node);
  const { versions } = resolveAddonVersions(app.node, props?.versionsFile);
  const stack = new MoodleStack(app, `moodle-${config.envName}`, {
    description: `Moodle on Amazon EKS (${config.envName}): VPC, EKS, RDS PostgreSQL, ElastiCache Valkey, EFS`,
    config,
    addonVersions: versions,
    eksAddonVersions: (app.node.tryGetContext(EKS_ADDON_VERSIONS_KEY) ?? {}) as Record<string, string>,
    tags: { 'moodlecache:environment': config.envName },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
