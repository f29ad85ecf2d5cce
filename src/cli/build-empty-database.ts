// Run by `npm run build` after compiling: the empty, migrated embedded database that a new data
// folder starts from (store/prebuilt-database.ts), written to dist/ unless the one there is
// built from the current PGlite and migrations. Prints one line; on failure one line on stderr
// and exit 1 (the build fails: a bot without it would still start, through initdb, but the
// build should say so).
import { EMBEDDED_START_PARAMS } from "../store/database.js";
import { buildPrebuiltDatabase, PREBUILT_DIR } from "../store/prebuilt-database.js";

try {
  const t0 = performance.now();
  const outcome = await buildPrebuiltDatabase(EMBEDDED_START_PARAMS);
  if (outcome === "built") process.stdout.write(`empty database for new data folders built in ${PREBUILT_DIR} (${Math.round(performance.now() - t0)} ms)\n`);
} catch (err) {
  process.stderr.write(`build: could not build the empty database for new data folders: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
