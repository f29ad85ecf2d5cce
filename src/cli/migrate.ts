// `npm run db:migrate`: applies prisma/migrations to $DATABASE_URL (a PostgreSQL server) or,
// when it is unset, to the embedded database in $DATA_DIR (default ./data). The bot does the
// same at every start; this is for operators who want to migrate before rolling out.
// Prints one line per migration applied, or "database is up to date"; on failure one line on
// stderr and exit 1. A password in the URL is never printed.
import { pathToFileURL } from "node:url";
import { openDatabase } from "../store/database.js";
import { databaseLocation, redact } from "./cli-database.js";

export interface CliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

export async function runMigrate(env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const location = databaseLocation(env);
  if (!location.ok) {
    io.stderr(`db:migrate: ${location.problem}`);
    return 2;
  }
  const { url, dataDir } = location.location;
  const where = url === undefined ? `embedded database in ${dataDir}` : describeServer(url);
  try {
    const db = await openDatabase({ url, dataDir });
    await db.close();
    if (db.appliedMigrations.length === 0) io.stdout(`database is up to date (${where})`);
    for (const name of db.appliedMigrations) io.stdout(`applied ${name}`);
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    io.stderr(redact(`db:migrate: ${where}: ${message.replace(/\s*\n\s*/g, " ")}`, url));
    return 1;
  }
}

/** host:port/database, never the user's credentials */
function describeServer(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return "the PostgreSQL server in DATABASE_URL";
  }
}

export { redact };

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const io: CliIo = { stdout: (l) => process.stdout.write(`${l}\n`), stderr: (l) => process.stderr.write(`${l}\n`) };
  runMigrate(process.env, io).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      io.stderr(redact(`db:migrate: ${err instanceof Error ? err.message : String(err)}`, process.env.DATABASE_URL));
      process.exitCode = 1;
    },
  );
}
