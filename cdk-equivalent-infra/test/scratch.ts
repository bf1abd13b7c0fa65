import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const made: string[] = [];
// Removed when the test process exits, pass or fail (test/main.ts runs every file in one process).
process.on('exit', () => { for (const d of made) fs.rmSync(d, { recursive: true, force: true }); });

/** A new temporary folder, removed when the test process exits. */
export function scratchDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}
