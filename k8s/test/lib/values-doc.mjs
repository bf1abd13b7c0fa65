// Every value in values.yaml is documented by a `## @param path description`
// line (Bitnami's convention), on itself or on an enclosing object, and every
// @param names a value that exists.
import { readFileSync, writeFileSync } from "node:fs";
import { parse } from "yaml";

function leaves(obj, prefix = []) {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj) || Object.keys(obj).length === 0) return [prefix.join(".")];
  return Object.entries(obj).flatMap(([k, v]) => leaves(v, [...prefix, k]));
}

function exists(obj, path) {
  return path.split(".").every((k) => {
    if (obj === null || typeof obj !== "object" || !(k in obj)) return false;
    obj = obj[k];
    return true;
  });
}

// path -> description of every `## @param path description` line.
export function paramDescriptions(file) {
  const text = readFileSync(file, "utf8");
  return new Map([...text.matchAll(/^\s*## @param (\S+) (\S.*)$/gm)].map((m) => [m[1], m[2].trim()]));
}

// The schema node of a dotted values path, or undefined.
function schemaNode(schema, path) {
  return path.split(".").reduce((node, k) => node?.properties?.[k], schema);
}

// values.schema.json carries each @param text as the description of its
// property. With fix, rewrites the schema file instead of reporting.
export function checkSchemaDescriptions(valuesFile, schemaFile, { fix = false } = {}) {
  const schema = JSON.parse(readFileSync(schemaFile, "utf8"));
  const violations = [];
  for (const [path, description] of paramDescriptions(valuesFile)) {
    const node = schemaNode(schema, path);
    if (!node) violations.push(`${path}: not in values.schema.json`);
    else if (node.description !== description) {
      if (fix) node.description = description;
      else violations.push(`${path}: schema description differs from its @param (run node k8s/test/sync-schema.mjs)`);
    }
  }
  if (fix) writeFileSync(schemaFile, JSON.stringify(schema, null, 2) + "\n");
  return violations;
}

export function checkValuesDoc(file) {
  const text = readFileSync(file, "utf8");
  const values = parse(text);
  const params = [...paramDescriptions(file).keys()];
  const documented = new Set(params);
  const violations = [];
  for (const leaf of leaves(values)) {
    const parts = leaf.split(".");
    const covered = parts.some((_, i) => documented.has(parts.slice(0, i + 1).join(".")));
    if (!covered) violations.push(`${leaf}: no ## @param line`);
  }
  for (const p of params) if (!exists(values, p)) violations.push(`@param ${p}: no such value`);
  return violations;
}
