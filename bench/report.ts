// The bench's printed report: one table of latencies (bot, baseline, ratio), the run's
// totals, the growth table and the targets, met or missed.
import { LATENCIES, type BenchResult, type PhaseResult } from "./bench.js";

function table(header: string[], rows: string[][], alignLeft = 1): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i < alignLeft ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [fmt(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(fmt)];
}

const ms = (x: number) => x.toFixed(1);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const kb = (bytes: number) => (Math.abs(bytes) >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${(bytes / 1024).toFixed(0)} kB`);

const thinkLabel = (ms: number) => (ms === 0 ? "no think time" : `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s think time`);

function phaseLabel(p: PhaseResult, r: BenchResult): string {
  if (p === r.seeded) return `${p.concurrency} on ${r.options.seed.toLocaleString("en-US")} seeded`;
  const main = p === r.main ? " (main run)" : "";
  const throughput = p === r.throughput ? (p === r.main ? " (main run, throughput)" : " (throughput)") : "";
  if (p.thinkMs !== r.options.thinkMs) return `${p.concurrency}, ${thinkLabel(p.thinkMs)}${throughput || main}`;
  return `${p.concurrency}${throughput || main}`;
}

function errorsText(p: PhaseResult): string {
  const notes = [
    ...(p.expiredTriggers > 0 ? [`${p.expiredTriggers} views.open later than Slack's 3 s trigger lifetime`] : []),
    ...(p.unmeasuredErrors > 0 ? [`${p.unmeasuredErrors} in unmeasured warm-up/filler screenings`] : []),
  ];
  return `${p.errors}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`;
}

const calls = (p: PhaseResult) =>
  Object.entries(p.webApiCallsPerScreening)
    .map(([method, n]) => `${method} ${n.toFixed(1)}`)
    .join(", ") || "none";

export function renderReport(r: BenchResult): string[] {
  const out: string[] = [];
  const m = r.main;
  const b = r.baseline;
  const pages = r.scenarios.map((s) => s.pages);
  out.push(
    `Machine: ${r.machine.cores} cores (nproc/availableParallelism ${r.machine.availableParallelism}), ${r.machine.cpuModel}, ${mb(r.machine.totalMemBytes)} RAM, Node ${r.machine.node}, ${r.machine.platform}`,
    `Load average (1 min) at start ${r.machine.loadAverage.start}, at end ${r.machine.loadAverage.end}${
      Math.max(r.machine.loadAverage.start, r.machine.loadAverage.end) > r.machine.cores * 0.5 ? "  ⚠ other work shared the machine: the numbers are pessimistic" : ""
    }`,
    `Bot: the production build as npm start runs it (node dist/main.js, configured by its environment) on ${r.options.database === "server" ? "a PostgreSQL server (a new database per phase)" : "embedded PGlite (./data of its working folder)"}, HTTP mode; baseline processBeforeResponse=${r.options.processBeforeResponse}; Slack Web API = sandbox stand-in; think time ${r.options.thinkMs} ms`,
    `Processes: the app under test (bot or baseline), the load generator and the Slack stand-in each in a process of their own; the baseline replays the bot's recorded views and messages with the same Web API calls per step`,
    `Load: ${m.screenings} measured screenings by ${m.concurrency} concurrent simulated users; ${r.scenarios.length} escalating scenarios (${Math.min(...pages)}–${Math.max(...pages)} pages, 1–2 decisions each); ` +
      `first ${r.options.warmUp} screening${r.options.warmUp === 1 ? "" : "s"} per user unmeasured (warm-up), unmeasured fillers keep the load up until the last measured one ends; ` +
      `requests, CPU and throughput counted over that window (main run: ${(m.wallMs / 1000).toFixed(1)} s)`,
    "",
  );
  const rows = LATENCIES.map((l) => {
    const bl = m.latencies[l.key];
    const bb = b?.latencies[l.key];
    const ra = r.ratios[l.key];
    return [
      l.label,
      String(bl.n),
      ms(bl.p50),
      ms(bl.p95),
      ms(bl.p99),
      bb ? ms(bb.p50) : "-",
      bb ? ms(bb.p95) : "-",
      bb ? ms(bb.p99) : "-",
      ra ? `${ra.p50.toFixed(2)}×` : "-",
      ra ? `${ra.p95.toFixed(2)}×` : "-",
      ra ? `${ra.p99.toFixed(2)}×` : "-",
    ];
  });
  out.push(...table(["latency (ms)", "n", "bot p50", "p95", "p99", "baseline p50", "p95", "p99", "bot/base p50", "p95", "p99"], rows));
  out.push("");
  const cpuShare = (p: PhaseResult) => `${(p.serverCpuMs / 1000).toFixed(1)} s / ${(p.driverCpuMs / 1000).toFixed(1)} s / ${(p.standInCpuMs / 1000).toFixed(1)} s (window ${(p.wallMs / 1000).toFixed(1)} s of ${(p.totalMs / 1000).toFixed(1)} s)`;
  const summary: string[][] = [
    ["throughput", `${m.requestsPerSecond} requests/s, ${m.screeningsPerMinute} screenings/min`, b ? `${b.requestsPerSecond} requests/s, ${b.screeningsPerMinute} screenings/min` : "-"],
    [
      "CPU per request (app process, measured window)",
      `${m.cpuPerRequestMs.toFixed(2)} ms (${(m.serverCpuMs / 1000).toFixed(1)} s / ${m.requests} requests)${r.cpuPerRequestRatio !== null ? `, ${r.cpuPerRequestRatio.toFixed(2)}× the baseline's` : ""}`,
      b ? `${b.cpuPerRequestMs.toFixed(2)} ms (${(b.serverCpuMs / 1000).toFixed(1)} s / ${b.requests} requests)` : "-",
    ],
    ["errors", errorsText(m), b ? errorsText(b) : "-"],
    ["peak RSS", mb(m.peakRssBytes), b ? mb(b.peakRssBytes) : "-"],
    ["CPU time (app / load generator / stand-in)", cpuShare(m), b ? cpuShare(b) : "-"],
    ["HTTP requests per screening", m.requestsPerScreening.toFixed(1), b ? b.requestsPerScreening.toFixed(1) : "-"],
    ["Web API calls per screening (whole load)", calls(m), b ? calls(b) : "-"],
  ];
  const onServer = r.options.database === "server";
  const folder = (bytes: number) => (onServer ? "" : `, ${kb(bytes)} (data folder)`);
  if (m.db) {
    summary.push([
      "database size per 1,000 screenings",
      `${kb(m.db.pgBytesPer1000)} (pg_database_size)${folder(m.db.dirBytesPer1000)}`,
      "-",
    ]);
    summary.push(["database after the run", `${kb(m.db.pgBytesAfter)} (pg_database_size)${folder(m.db.dirBytesAfter)} for ${m.db.screeningsAfter} screenings`, "-"]);
  }
  summary.push([
    "first start on an empty data folder",
    onServer
      ? "not applicable on a server (each phase's bot migrates a new database as it starts; peak RSS above is the bot process, not the server)"
      : r.firstStart
      ? `healthy in ${(r.firstStart.ms / 1000).toFixed(1)} s, peak RSS ${mb(r.firstStart.maxRssBytes)}, ${r.firstStart.newDataFolder} (the runs above start on a copy of that folder)`
      : "not measured (a quick run reuses a prepared empty database)",
    "-",
  ]);
  summary.push(["rule set load", `${r.core.rulesLoadFirstMs} ms first (cold), ${r.core.rulesLoadWarmMs} ms warm median`, "-"]);
  summary.push(["scoring (pure core, shipped rules)", `${r.core.scoringsPerSecond.toLocaleString("en-US")} scorings/s over ${r.core.scenarios} scenarios`, "-"]);
  const ps = r.core.partyScreening;
  summary.push([
    `party screening (${ps.names} names × ${ps.entries.toLocaleString("en-US")} list entries)`,
    `${ps.screenMs.p50} ms p50, ${ps.screenMs.p99} ms p99 over ${ps.rounds} rounds (${ps.matches} matches); index built once per list set in ${ps.indexBuildMs} ms`,
    "-",
  ]);
  out.push(...table(["", "bot", "baseline"], summary, 3));
  if (r.callsPerStep) {
    const names = { slash: "/screening", page: "page submitted", review: "review submitted", button: "decision button", decision: "decision submitted" } as const;
    const steps = (Object.keys(names) as Array<keyof typeof names>).map((k) => {
      const c = Object.entries(r.callsPerStep?.[k] ?? {}).map(([method, n]) => (n === 1 ? method : `${method} ×${n}`));
      return `${names[k]} → ${c.length > 0 ? c.join(" + ") : "no call"}`;
    });
    out.push(`Web API calls per request, recorded from the bot and replayed by the baseline: ${steps.join("; ")}`);
  }
  out.push("");

  out.push(`Where the time goes: the bot's use cases one at a time on in-memory PGlite, no HTTP, no contention (${r.breakdown.screenings} screenings):`);
  out.push(
    ...table(
      ["step", "calls", "ms/call", "SQL statements/call", "of which BEGIN/COMMIT"],
      r.breakdown.rows.map((b) => [b.step, String(b.calls), b.msPerCall.toFixed(2), b.statementsPerCall.toFixed(1), b.transactionControlPerCall.toFixed(1)]),
    ),
  );
  out.push(`  (statements counted where they reach PGlite, whichever path sent them: Prisma's adapter or db.sql; PGlite runs one statement at a time)`);
  out.push("");

  const growth = [...new Set([...r.growth, r.throughput, ...(r.seeded ? [r.seeded] : [])])];
  if (growth.length > 0) {
    out.push(
      `How cost grows (each row a fresh bot process and database; ${r.options.thinkMs === 0 ? "no think time: every user sends its next request as soon as it has the answer" : `${r.options.thinkMs} ms think time`} unless noted):`,
    );
    out.push(
      ...table(
        ["users", "screenings", "req/s", "CPU/req", "first page p99", "page p50", "page p99", "final→esc p99", "decision→update p99", "errors", "peak RSS", "DB/1,000"],
        growth.map((p) => [
          phaseLabel(p, r),
          String(p.completed === p.screenings ? p.screenings : `${p.completed}/${p.screenings}`),
          String(p.requestsPerSecond),
          `${p.cpuPerRequestMs.toFixed(2)} ms`,
          ms(p.latencies.slashToFirstPage.p99),
          ms(p.latencies.pageSubmission.p50),
          ms(p.latencies.pageSubmission.p99),
          ms(p.latencies.finalToEscalationPosted.p99),
          ms(p.latencies.decisionToChatUpdate.p99),
          String(p.errors),
          mb(p.peakRssBytes),
          p.db ? kb(p.db.pgBytesPer1000) : "-",
        ]),
      ),
    );
    if (r.seeded?.seeding) {
      const s = r.seeded.seeding;
      out.push(
        `Seeded row: ${s.added.toLocaleString("en-US")} screenings (${s.auditEvents.toLocaleString("en-US")} audit events, hash chain intact) cloned from driven ones in ${(s.ms / 1000).toFixed(1)} s; ` +
          `database ${kb(r.seeded.db?.pgBytesBefore ?? 0)} before the measured run.`,
      );
    }
    out.push("");
  }

  out.push("Targets (issue 13, then the pure core's):");
  for (const t of r.targets) out.push(`  [${t.met ? "met" : "MISSED"}] ${t.name}: ${t.actual} (target ${t.target})`);
  const paced = r.growth.find((g) => g.thinkMs !== r.options.thinkMs && g !== r.throughput);
  if (paced) {
    out.push(
      `  For comparison, ${paced.concurrency} users at human pace (${paced.thinkMs} ms between steps): slash → views.open p99 ${ms(paced.latencies.slashToViewsOpen.p99)} ms, ` +
        `first page p99 ${ms(paced.latencies.slashToFirstPage.p99)} ms, page submission p99 ${ms(paced.latencies.pageSubmission.p99)} ms, ${paced.errors} errors.`,
    );
  }
  const samples = [...new Set([m, ...(b ? [b] : []), r.throughput, ...r.growth, ...(r.seeded ? [r.seeded] : [])])].flatMap((p) => p.errorSamples).slice(0, 10);
  if (samples.length > 0) {
    out.push("", "First errors:");
    for (const s of [...new Set(samples)]) out.push(`  ${s}`);
  }
  // Warnings the apps logged (e.g. a Web API call that failed): not errors, but they explain some.
  const warnings = [...new Set([m, ...(b ? [b] : []), r.throughput, ...r.growth, ...(r.seeded ? [r.seeded] : [])])].flatMap((p) =>
    p.serverLog.samples.filter((l) => !l.includes('"error"')).map((l) => `${p.name}: ${l.slice(0, 300)}`),
  );
  if (warnings.length > 0) {
    out.push("", "First warnings the apps logged:");
    for (const w of warnings.slice(0, 6)) out.push(`  ${w}`);
  }
  out.push("", `Bench took ${(r.durationMs / 1000).toFixed(0)} s.`);
  return out;
}
