// The chart's values documentation, made by Bitnami's readme-generator-for-helm
// from the `## @param` lines of values.yaml: the Parameters section of the
// chart's README.md and values.schema.json. The generator itself refuses a
// value without a @param line and a @param without a value.
//
// The generator's schema has each value's type, description and default;
// the constraints it cannot know (unknown keys refused, enums, patterns,
// ranges, item shapes) live in values.schema.constraints.json, laid over it
// path by path. values.schema.json is that result, committed for Helm.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const GENERATOR = require.resolve("@bitnami/readme-generator-for-helm/bin/index.js");

const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);

// The generated schema with the constraints laid over it: a constraint
// replaces the generated keyword of the same name; one with anyOf/oneOf and
// no type drops the generated type.
export function applyConstraints(generated, constraints) {
  const out = { ...generated };
  for (const [k, v] of Object.entries(constraints)) {
    if (k === "properties") {
      out.properties = { ...generated.properties };
      for (const [p, c] of Object.entries(v)) out.properties[p] = p in out.properties ? applyConstraints(out.properties[p], c) : c;
    } else {
      out[k] = v;
    }
  }
  if ((constraints.anyOf || constraints.oneOf) && !constraints.type) delete out.type;
  return out;
}

// Paths of constraints that name no generated value: stale, unless the
// constraint defines a whole optional key with its own type (Helm's `global`,
// a CPU limit that values.yaml leaves unset).
export function staleConstraints(generated, constraints, path = []) {
  const stale = [];
  for (const [p, c] of Object.entries(constraints.properties ?? {})) {
    const here = [...path, p];
    if (!generated.properties?.[p]) {
      if (!c?.type) stale.push(here.join("."));
    } else if (isObject(c)) {
      stale.push(...staleConstraints(generated.properties[p], c, here));
    }
  }
  return stale;
}

// Runs the generator on copies of the chart's values.yaml and README.md.
// Returns { ok, log, readme, schema } (schema with the constraints applied).
export function generate(chart) {
  const dir = mkdtempSync(join(tmpdir(), "moodle-chart-docs-"));
  try {
    copyFileSync(join(chart, "values.yaml"), join(dir, "values.yaml"));
    // A chart without README.md gets the generator's table alone (and fails the check).
    if (existsSync(join(chart, "README.md"))) copyFileSync(join(chart, "README.md"), join(dir, "README.md"));
    else writeFileSync(join(dir, "README.md"), "## Parameters\n");
    const r = spawnSync(process.execPath, [GENERATOR, "--values", join(dir, "values.yaml"),
      "--readme", join(dir, "README.md"), "--schema", join(dir, "schema.json")], { encoding: "utf8" });
    const log = `${r.stdout}${r.stderr}`;
    if (r.status !== 0) return { ok: false, log: log.split("\n").filter((l) => /ERROR/.test(l)).join("\n") || log.trim() };
    const generated = JSON.parse(readFileSync(join(dir, "schema.json"), "utf8"));
    const constraintsFile = join(chart, "values.schema.constraints.json");
    const constraints = existsSync(constraintsFile) ? JSON.parse(readFileSync(constraintsFile, "utf8")) : {};
    return {
      ok: true,
      log,
      readme: readFileSync(join(dir, "README.md"), "utf8"),
      schema: `${JSON.stringify(applyConstraints(generated, constraints), null, 2)}\n`,
      stale: staleConstraints(generated, constraints),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The checks: the generator accepts values.yaml, and README.md's Parameters
// and values.schema.json are exactly what it makes.
export function checkChartDocs(chart) {
  const g = generate(chart);
  if (!g.ok) return { generator: [`readme-generator-for-helm refuses values.yaml:\n${g.log}`], readme: ["not generated"], schema: ["not generated"] };
  const differs = (file, want) => (existsSync(join(chart, file)) && readFileSync(join(chart, file), "utf8") === want
    ? [] : [`${file} is missing or not what readme-generator makes from values.yaml: run node k8s/test/gen-docs.mjs`]);
  return {
    generator: [],
    readme: differs("README.md", g.readme),
    schema: [...differs("values.schema.json", g.schema), ...g.stale.map((p) => `values.schema.constraints.json: ${p} is no value of values.yaml`)],
  };
}
