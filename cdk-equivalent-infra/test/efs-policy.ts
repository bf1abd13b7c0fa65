/**
 * A small evaluator of an EFS file-system policy, for what NFS clients may do.
 * EFS applies IAM rules: an explicit Deny wins, then any Allow; when a policy
 * exists and nothing allows the action, it is denied (the policy replaces
 * EFS's default allow-all). Only the condition keys EFS sets for NFS clients
 * are known; any other key throws, so a policy this cannot read never passes.
 */
export interface NfsClient {
  /** The `iam` mount option is absent: EFS sees an anonymous principal. */
  readonly anonymous: boolean;
  /** Mounted with TLS (the `tls` mount option, efs-utils' stunnel). */
  readonly secureTransport: boolean;
  /** Connected through one of the file system's mount targets. */
  readonly viaMountTarget: boolean;
}

type Statement = { Effect: string; Principal?: unknown; Action: string | string[]; Condition?: Record<string, Record<string, string>> };

function list<T>(x: T | T[]): T[] {
  return Array.isArray(x) ? x : [x];
}

function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
  return re.test(action);
}

function principalMatches(principal: unknown, client: NfsClient): boolean {
  const any = principal === '*' || (typeof principal === 'object' && principal !== null && list((principal as { AWS?: unknown }).AWS ?? []).includes('*'));
  // An IAM-authenticated client could match a named principal too; we test anonymous mounts.
  return any || !client.anonymous;
}

function conditionsHold(condition: Statement['Condition'], client: NfsClient): boolean {
  const values: Record<string, boolean> = {
    'aws:securetransport': client.secureTransport,
    'elasticfilesystem:accessedviamounttarget': client.viaMountTarget,
  };
  for (const [operator, entries] of Object.entries(condition ?? {})) {
    if (operator !== 'Bool') throw new Error(`efs-policy: condition operator ${operator} is not understood`);
    for (const [key, want] of Object.entries(entries)) {
      const have = values[key.toLowerCase()];
      if (have === undefined) throw new Error(`efs-policy: condition key ${key} is not understood`);
      if (String(have) !== String(want).toLowerCase()) return false;
    }
  }
  return true;
}

/** Whether the policy lets the client perform an action such as elasticfilesystem:ClientMount. */
export function efsAllows(policy: { Statement: Statement[] }, action: string, client: NfsClient): boolean {
  const applies = policy.Statement.filter((s) =>
    list(s.Action).some((a) => actionMatches(a, action)) && principalMatches(s.Principal, client) && conditionsHold(s.Condition, client));
  if (applies.some((s) => s.Effect === 'Deny')) return false;
  return applies.some((s) => s.Effect === 'Allow');
}
