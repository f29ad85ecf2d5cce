// `npm run rules:schema`: writes the JSON Schemas of the rule files into rules/schema/ (see
// src/rules/json-schema.ts). Run it after changing a schema in src/domain/rule-set.ts.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ruleFileSchemas } from "../rules/json-schema.js";

export const SCHEMA_DIR = join("rules", "schema");

export function writeRuleSchemas(dir: string = SCHEMA_DIR): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of Object.entries(ruleFileSchemas())) {
    writeFileSync(join(dir, name), text);
    written.push(join(dir, name));
  }
  return written;
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(resolve(entry)).href) {
  for (const path of writeRuleSchemas()) process.stdout.write(`wrote ${path}\n`);
}
