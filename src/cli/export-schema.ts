// `npm run export:schema`: writes the JSON Schema of the records export to
// docs/record-export.schema.json (src/export/schema.ts). Run it after changing the export's
// shape in src/domain/records-export.ts.
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { RECORD_EXPORT_SCHEMA_PATH, recordExportJsonSchema } from "../export/schema.js";

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(resolve(entry)).href) {
  writeFileSync(RECORD_EXPORT_SCHEMA_PATH, recordExportJsonSchema());
  process.stdout.write(`wrote ${RECORD_EXPORT_SCHEMA_PATH}\n`);
}
