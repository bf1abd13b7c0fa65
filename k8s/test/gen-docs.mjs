// Writes the Parameters section of charts/moodle/README.md and
// charts/moodle/values.schema.json from the `## @param` lines of values.yaml
// (readme-generator-for-helm) and values.schema.constraints.json.
//   node k8s/test/gen-docs.mjs
import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generate } from "./lib/chart-docs.mjs";

const chart = resolve(dirname(fileURLToPath(import.meta.url)), "../charts/moodle");
const g = generate(chart);
if (!g.ok) {
  console.error(g.log);
  process.exit(1);
}
writeFileSync(join(chart, "README.md"), g.readme);
writeFileSync(join(chart, "values.schema.json"), g.schema);
for (const p of g.stale) console.error(`values.schema.constraints.json: ${p} is no value of values.yaml`);
process.exit(g.stale.length === 0 ? 0 : 1);
