// Every value in values.yaml is documented by a `## @param path description`
// line (Bitnami's convention), on itself or on an enclosing object, and every
// @param names a value that exists.
import { readFileSync } from "node:fs";
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

export function checkValuesDoc(file) {
  const text = readFileSync(file, "utf8");
  const values = parse(text);
  const params = [...text.matchAll(/^\s*## @param (\S+) (\S.*)$/gm)].map((m) => m[1]);
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
