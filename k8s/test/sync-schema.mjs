// Copies each `## @param` description of values.yaml into values.schema.json.
//   node k8s/test/sync-schema.mjs
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { checkSchemaDescriptions } from "./lib/values-doc.mjs";

const chart = resolve(dirname(fileURLToPath(import.meta.url)), "../charts/moodle");
const missing = checkSchemaDescriptions(`${chart}/values.yaml`, `${chart}/values.schema.json`, { fix: true });
for (const m of missing) console.error(m);
process.exit(missing.length === 0 ? 0 : 1);
