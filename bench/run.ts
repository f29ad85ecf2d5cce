// `npm run bench [-- flags]`: load test of the real bot against a bare Bolt baseline; prints a
// table and writes JSON (default bench/results/latest.json). Flags:
//   --concurrency N          simulated users at once in the main run (default 50)
//   --screenings N           screenings in the main run (default 500)
//   --levels 1,10,50,200     concurrencies of the growth table ("" to skip)
//   --seed N                 screenings already in the database for the seeded run (default 10000, 0 skips)
//   --seeded-screenings N    screenings measured on top of them (default 50)
//   --think-ms N             pause between a person's steps (default 0: as fast as the app answers)
//   --paced-think-ms N       also run the main concurrency at this pace, one screening each (default 3000; 0 or the
//                            main run's own think time skips it)
//   --warm-up N              unmeasured screenings per user at the start of each load (default 1)
//   --throughput-users N     users of the throughput phase, no think time (default 50; the main run when it is that)
//   --throughput-screenings N  measured screenings of the throughput phase (default 200)
//   --no-baseline            skip the baseline
//   --profile                write a CPU profile of the bot's main run to bench/results/profiles/
//   --json PATH              where to write the JSON
//   --database-url URL       run the bot on this PostgreSQL server (an admin URL: each phase creates
//                            and drops a database of its own) instead of embedded PGlite
//   --quick                  a tiny run (2 users, 4 screenings, the main run as the throughput phase, no extra growth
//                            level, a 40-screening seeded run), for the test
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { runBench, type BenchOptions } from "./bench.js";
import { renderReport } from "./report.js";

const USAGE =
  "usage: npm run bench -- [--concurrency N] [--screenings N] [--levels 1,10,50,200] [--seed N] [--seeded-screenings N] [--think-ms N] [--paced-think-ms N] [--warm-up N] [--throughput-users N] [--throughput-screenings N] [--no-baseline] [--profile] [--json PATH] [--database-url URL] [--quick]";

export interface CliArgs {
  options: BenchOptions;
  json: string;
}

function int(name: string, value: string | undefined, min = 0): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < min) throw new Error(`${name} needs a whole number ≥ ${min} (got ${value ?? "nothing"})`);
  return n;
}

export function parseArgs(argv: readonly string[], log: (line: string) => void): CliArgs {
  const quick = argv.includes("--quick");
  const given = new Map<string, string | undefined>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}`);
    const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    if (["--quick", "--no-baseline", "--profile"].includes(flag ?? "")) given.set(flag ?? "", "");
    else if (["--concurrency", "--screenings", "--levels", "--seed", "--seeded-screenings", "--think-ms", "--paced-think-ms", "--warm-up", "--throughput-users", "--throughput-screenings", "--json", "--database-url"].includes(flag ?? "")) given.set(flag ?? "", inline ?? argv[++i]);
    else throw new Error(`unknown option ${a}`);
  }
  const concurrency = given.has("--concurrency") ? int("--concurrency", given.get("--concurrency"), 1) : quick ? 2 : 50;
  const screenings = given.has("--screenings") ? int("--screenings", given.get("--screenings"), 1) : quick ? 4 : 500;
  const levelsText = given.get("--levels");
  const levels =
    levelsText !== undefined
      ? levelsText
          .split(",")
          .filter((s) => s.trim() !== "")
          .map((s) => int("--levels", s.trim(), 1))
      : quick
        ? [concurrency]
        : [1, 10, concurrency, 200].filter((v, i, all) => all.indexOf(v) === i).sort((a, b) => a - b);
  const seed = given.has("--seed") ? int("--seed", given.get("--seed")) : quick ? 40 : 10_000;
  const seededScreenings = given.has("--seeded-screenings") ? int("--seeded-screenings", given.get("--seeded-screenings"), 1) : quick ? 2 : 50;
  const thinkMs = given.has("--think-ms") ? int("--think-ms", given.get("--think-ms")) : 0;
  const pacedThinkMs = given.has("--paced-think-ms") ? int("--paced-think-ms", given.get("--paced-think-ms")) : quick ? 0 : 3_000;
  const warmUp = given.has("--warm-up") ? int("--warm-up", given.get("--warm-up")) : 1;
  const throughputUsers = given.has("--throughput-users") ? int("--throughput-users", given.get("--throughput-users"), 1) : quick ? concurrency : 50;
  const throughputScreenings = given.has("--throughput-screenings") ? int("--throughput-screenings", given.get("--throughput-screenings"), 1) : quick ? 4 : 200;
  const json = resolve(given.get("--json") ?? "bench/results/latest.json");
  const databaseUrl = given.has("--database-url") ? given.get("--database-url")?.trim() : undefined;
  if (given.has("--database-url") && !/^postgres(ql)?:\/\//.test(databaseUrl ?? "")) throw new Error("--database-url needs a postgresql:// URL");
  const options: BenchOptions = {
    concurrency,
    screenings,
    levels,
    // Fewer screenings per level than the main run: 1 user 10, 10 users 30, 200 users 200 (one each).
    levelScreenings: (level) => (quick ? 2 : Math.min(Math.max(10, level * 3), Math.max(level, 200))),
    seed,
    seededScreenings,
    baseline: !given.has("--no-baseline"),
    thinkMs,
    pacedThinkMs,
    rulesDir: process.env.RULES_DIR ?? "rules",
    processBeforeResponse: false,
    scoringMs: quick ? 300 : 2_000,
    breakdownScreenings: quick ? 2 : 20,
    warmUp,
    throughputUsers,
    throughputScreenings,
    cpuProfileDir: given.has("--profile") ? resolve("bench/results/profiles") : undefined,
    quick,
    databaseUrl,
    log,
  };
  return { options, json };
}

async function main(): Promise<number> {
  const started = Date.now();
  const log = (line: string) => process.stderr.write(`${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s ${line}\n`);
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let args: CliArgs;
  try {
    args = parseArgs(process.argv.slice(2), log);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    return 2;
  }
  const result = await runBench(args.options);
  process.stdout.write(`${renderReport(result).join("\n")}\n`);
  await mkdir(dirname(args.json), { recursive: true });
  await writeFile(args.json, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`JSON: ${args.json}\n`);
  return result.totalErrors === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
