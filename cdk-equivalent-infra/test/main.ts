// Runs every test/*.test.ts in this one process, so each configuration is
// synthesized once for all of them (a file alone also runs with node --test).
import * as fs from 'fs';
import * as path from 'path';

for (const f of fs.readdirSync(__dirname).filter((n) => n.endsWith('.test.ts')).sort()) {
  require(path.join(__dirname, f));
}
