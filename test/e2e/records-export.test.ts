// Records export and retention, on a database after an end-to-end run: screenings answered (one
// answer changed on the way), escalated and decided through the real HTTP app, then exported by
// the CLI's main function (npm run export) as JSON that validates against the published schema,
// as CSV with one row per answer, and as a PDF whose extracted text holds the reference, every
// decision and the audit trail's verification. An approver gets the record as a file in a DM
// with /screening export; anyone else is refused, and the refusal audited. Deleting a record is
// refused inside the retention period (audited), and after it erases the content but not the
// audit trail. Finally an audit row is tampered with, and every format says so.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportCli, type CliIo } from "../../src/cli/export.js";
import { recordsDeleteCli } from "../../src/cli/records-delete.js";
import { CSV_COLUMNS, parseCsv, RecordExportSchema, type RecordExport } from "../../src/domain/records-export.js";
import { RECORD_EXPORT_SCHEMA_PATH } from "../../src/export/schema.js";
import { ACTION, BLOCK, CALLBACK } from "../../src/slack/ids.js";
import { verifyAuditChain } from "../../src/store/audit.js";
import { flat, pdfText } from "../support/pdf-text.js";
import { APPROVERS, COMPLIANCE, startE2E, type E2E } from "./support/harness.js";
import { answerAllPages, completeScreening, scenario } from "./support/scenarios.js";

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

const medium = scenario("medium_drone_border_authority");
const high = scenario("high_lawful_interception_police_no_safeguards");
const low = scenario("low_thermal_camera_private_factory");

const REQUESTER = "UEXPREQ";
const APPROVER = APPROVERS[1] ?? "";
const REJECTER = APPROVERS[0] ?? "";
/** a first answer the requester changes before submitting (comma and quotes: CSV must quote it) */
const FIRST_DESCRIPTION = 'SkyWatch "VTOL", 4 units';
const RATIONALE = "Acceptable with contractual limits; border use is lawful.";
const OWN_WORDS = "Reassess before 2027-06-30";
const REJECTION = "Credible reports of misuse by this agency.";

let e2e: E2E;
let dir: string;
let ref = "";
let highRef = "";
let lowRef = "";
let conditionId = "";
const YEAR = 365.25 * 86_400_000;
const ARTIFACTS = join("test-artifacts", "records-export");

/** Runs the export CLI's main function on the test database; returns its exit code and what it said. */
async function runExport(args: string[], now?: () => Date): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (l) => out.push(l), stderr: (l) => err.push(l) };
  const code = await exportCli(args, {}, io, { database: e2e.db, ...(now ? { now } : {}) });
  return { code, out, err };
}

async function runDelete(args: string[], now?: () => Date): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await recordsDeleteCli(args, { RULES_DIR: "rules" }, { stdout: (l) => out.push(l), stderr: (l) => err.push(l) }, { database: e2e.db, ...(now ? { now } : {}) });
  return { code, out, err };
}

async function exportJson(reference: string): Promise<{ code: number; record: RecordExport }> {
  const file = join(dir, `${reference}-${Math.random().toString(36).slice(2)}.json`);
  const run = await runExport([reference, "--format", "json", "--out", file]);
  return { code: run.code, record: JSON.parse(await readFile(file, "utf8")) as RecordExport };
}

async function screeningRow(reference: string) {
  return e2e.db.prisma.screening.findUniqueOrThrow({ where: { reference }, include: { escalation: { include: { decisions: true } } } });
}

function escalationMessage(reference: string) {
  const message = e2e.api.messages(COMPLIANCE).find((m) => JSON.stringify(m).includes(reference));
  if (!message) throw new Error(`no escalation message for ${reference}`);
  return message;
}

async function decide(userId: string, reference: string, outcome: keyof typeof ACTION.decide, values: Record<string, unknown>): Promise<void> {
  const row = await screeningRow(reference);
  const person = e2e.person(userId);
  await person.clickMessageButton(COMPLIANCE, escalationMessage(reference).ts, ACTION.decide[outcome], row.escalation?.id ?? "");
  const reply = await person.submit(values as never);
  expect((reply.json as { response_action?: string }).response_action).toBe("clear");
  await e2e.settle();
}

const rationale = (text: string) => ({ [BLOCK.rationale]: { [ACTION.rationale]: { type: "plain_text_input", value: text } } });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dd-records-export-"));
  e2e = await startE2E();
  // A medium screening whose item description is changed before submission: Back from the second
  // page to the first, and the first page saved again.
  const requester = e2e.person(REQUESTER);
  await requester.command("new");
  await requester.submitPage({ ...medium.answers, item_description: FIRST_DESCRIPTION });
  const second = requester.requireView().view;
  expect(second.callback_id).toBe(CALLBACK.page);
  const pageId = String((JSON.parse(second.private_metadata ?? "{}") as { p?: string }).p);
  await requester.clickInView(ACTION.back, pageId);
  await answerAllPages(requester, medium.answers);
  const review = await requester.submit({});
  ref = /DD-\d{4}-\d{4,}/.exec(JSON.stringify(review.json))?.[0] ?? "";
  expect(ref).not.toBe("");
  await e2e.settle();

  // approved with a condition from the rules and one in the approver's own words
  const row = await screeningRow(ref);
  const approver = e2e.person(APPROVER);
  await approver.clickMessageButton(COMPLIANCE, escalationMessage(ref).ts, ACTION.decide.approve_with_conditions, row.escalation?.id ?? "");
  const modal = JSON.stringify(approver.requireView().view);
  conditionId = /"value":"([a-z_]+)"/.exec(modal.slice(modal.indexOf(BLOCK.conditions)))?.[1] ?? "";
  const reply = await approver.submit({
    ...rationale(RATIONALE),
    [BLOCK.conditions]: { [ACTION.conditions]: { type: "multi_static_select", selected_options: [{ value: conditionId }] } },
    [BLOCK.conditionsText]: { [ACTION.conditionsText]: { type: "plain_text_input", value: OWN_WORDS } },
  } as never);
  expect((reply.json as { response_action?: string }).response_action).toBe("clear");
  await e2e.settle();

  highRef = await completeScreening(e2e.person("UEXPHIGH"), high.answers);
  await e2e.settle();
  await decide(REJECTER, highRef, "reject", rationale(REJECTION));
  lowRef = await completeScreening(e2e.person("UEXPLOW"), low.answers);
  await e2e.settle();
}, 120_000);

afterAll(async () => {
  await e2e?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("npm run export: JSON", () => {
  it("validates against the published JSON Schema and holds the full record", async () => {
    const { code, record } = await exportJson(ref);
    expect(code).toBe(0);
    const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true }));
    const validate = ajv.compile(JSON.parse(await readFile(RECORD_EXPORT_SCHEMA_PATH, "utf8")) as object);
    expect(validate(record), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);

    const row = await screeningRow(ref);
    expect(record.scope).toEqual({ kind: "screening", reference: ref });
    expect(record.auditChain).toMatchObject({ intact: true, brokenAt: null });
    expect(record.auditChain.statement).toMatch(/^Audit trail verified: intact\. All \d+ events of the trail were checked/);
    const [s] = record.screenings;
    expect(record.screenings).toHaveLength(1);
    if (!s) throw new Error("no screening in the export");
    expect(s).toMatchObject({ reference: ref, status: "approved", requesterId: REQUESTER, ruleSet: { hash: row.ruleSetHash } });
    expect(s.ruleSet.version).toEqual(expect.any(String));

    // every answer in force, and the changed one with its whole history: who, when, old → new
    const current = await e2e.db.prisma.answer.findMany({ where: { screeningId: row.id, supersededAt: null } });
    expect(s.answers.map((a) => a.questionId).sort()).toEqual(current.map((a) => a.questionId).sort());
    const description = s.answers.find((a) => a.questionId === "item_description");
    expect(description?.current).toBe(medium.answers.item_description);
    expect(description?.history).toEqual([
      expect.objectContaining({ value: FIRST_DESCRIPTION, previous: null, answeredBy: REQUESTER, supersededAt: expect.any(String) }),
      expect.objectContaining({ value: medium.answers.item_description, display: medium.answers.item_description, previous: FIRST_DESCRIPTION, answeredBy: REQUESTER, supersededAt: null }),
    ]);
    expect(s.answers.find((a) => a.questionId === "destination")?.currentDisplay).not.toBe("GR"); // a country's name, not its code

    // the score with its factor trail, and the reference facts applied with their as_of
    expect(s.outcome?.score).toBe(row.score);
    expect(s.outcome?.tier.id).toBe(row.tier);
    expect(s.outcome?.factors.length).toBeGreaterThan(0);
    for (const f of s.outcome?.factors ?? []) expect(f.source).not.toBe("");
    expect(s.referenceFacts.length).toBeGreaterThan(0);
    expect(s.referenceFacts.some((f) => f.asOf !== null && /^\d{4}-\d{2}(-\d{2})?/.test(f.asOf))).toBe(true);
    expect(s.partyScreening).toMatchObject({ screened: false });

    // the decision with its rationale and conditions
    expect(s.escalation).toMatchObject({ status: "approved", requiredApprovals: 1 });
    expect(s.decisions).toEqual([
      expect.objectContaining({ outcome: "approve_with_conditions", outcomeLabel: "Approve with conditions", deciderId: APPROVER, rationale: RATIONALE, conditionsText: OWN_WORDS, authorisation: null }),
    ]);
    expect(s.decisions[0]?.conditions).toEqual([{ id: conditionId, label: expect.not.stringMatching(new RegExp(`^${conditionId}$`)) }]);

    // every audit event of the screening, in chain order, each verified
    // (the export's own record.exported event comes after it)
    const events = await e2e.db.prisma.auditEvent.findMany({ where: { screeningId: row.id, type: { not: "record.exported" } }, orderBy: { seq: "asc" } });
    expect(s.auditEvents.map((e) => e.seq)).toEqual(events.map((e) => e.seq.toString()));
    expect(s.auditEvents.map((e) => e.type)).toEqual(expect.arrayContaining(["screening.created", "answers.saved", "screening.submitted", "escalation.opened", "decision.recorded"]));
    expect(s.auditEvents.every((e) => e.verified)).toBe(true);
    expect(s.retention).toMatchObject({ years: 5, erasedAt: null });
    expect(new Date(s.retention.keepUntil).getUTCFullYear()).toBe(new Date(s.retention.lastActivityAt).getUTCFullYear() + 5);
    // and it is exactly what the zod schema the JSON Schema was generated from accepts
    expect(RecordExportSchema.safeParse(record).success).toBe(true);
  });

  it("records the export in the audit trail", async () => {
    const row = await screeningRow(ref);
    const exported = await e2e.db.prisma.auditEvent.findMany({ where: { screeningId: row.id, type: "record.exported" } });
    expect(exported.length).toBeGreaterThan(0);
    expect(exported[0]?.data).toMatchObject({ format: "json", via: "cli", chainIntact: true });
  });

  it("refuses a reference that names no screening, and a malformed command line, writing nothing", async () => {
    const missing = await runExport(["DD-1999-9999", "--out", join(dir, "none.pdf")]);
    expect(missing.code).toBe(2);
    expect(missing.err.join("\n")).toContain("No screening DD-1999-9999");
    await expect(readFile(join(dir, "none.pdf"))).rejects.toThrow();
    for (const [args, said] of [
      [["not-a-ref"], /is not a screening reference/],
      [[ref, "--format", "docx"], /unknown format "docx": expected pdf, json or csv/],
      [["--from", "2026-13-01", "--to", "2026-12-31"], /--from "2026-13-01" is not a date/],
      [["--from", "2026-12-31", "--to", "2026-01-01"], /is before --from/],
      [[ref, "--from", "2026-01-01", "--to", "2026-01-02"], /either a reference or --from and --to/],
    ] as const) {
      const run = await runExport([...args]);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.err.join("\n")).toMatch(said);
      expect(run.err.join("\n")).toContain("usage: npm run export");
    }
  });
});

describe("npm run export: CSV of a period", () => {
  it("opens as RFC 4180 CSV with one row per answer of every screening created in the period", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const file = join(dir, "period.csv");
    const run = await runExport(["--from", "2000-01-01", "--to", today, "--format", "csv", "--out", file]);
    expect(run.code, run.err.join("\n")).toBe(0);
    expect(run.out[0]).toMatch(/^exported \d+ screenings created 2000-01-01 to \d{4}-\d\d-\d\d as CSV to .*period\.csv \(\d+ bytes\)$/);
    const bytes = await readFile(file);
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf])); // UTF-8 BOM for spreadsheets
    const text = bytes.toString("utf8");
    expect(text.endsWith("\r\n")).toBe(true);
    const rows = parseCsv(text);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    for (const r of rows) expect(r).toHaveLength(CSV_COLUMNS.length);
    const col = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);

    for (const reference of [ref, highRef, lowRef]) {
      const row = await screeningRow(reference);
      const questions = await e2e.db.prisma.answer.findMany({ where: { screeningId: row.id }, distinct: ["questionId"], select: { questionId: true } });
      const mine = rows.filter((r) => r[col("reference")] === reference);
      expect(mine.length, reference).toBe(questions.length);
      expect(new Set(mine.map((r) => r[col("question_id")])).size).toBe(questions.length);
      for (const r of mine) expect(r[col("audit_chain")]).toMatch(/^Audit trail verified: intact/);
    }
    const description = rows.find((r) => r[col("reference")] === ref && r[col("question_id")] === "item_description");
    expect(description?.[col("answer")]).toBe(medium.answers.item_description);
    expect(description?.[col("versions")]).toBe("2");
    expect(description?.[col("history")]).toContain(`${REQUESTER}: (none) → ${FIRST_DESCRIPTION}`);
    expect(description?.[col("history")]).toContain(`${REQUESTER}: ${FIRST_DESCRIPTION} → ${medium.answers.item_description}`);
    // the quotes and comma of the first answer survived the round trip: the field was quoted
    expect(text).toContain('""VTOL"",');
  });

  it("says so when no screening was created in the period", async () => {
    const file = join(dir, "empty.json");
    const run = await runExport(["--from", "2001-01-01", "--to", "2001-12-31", "--format", "json", "--out", file]);
    expect(run.code).toBe(0);
    const record = JSON.parse(await readFile(file, "utf8")) as RecordExport;
    expect(record).toMatchObject({ scope: { kind: "period", from: "2001-01-01", to: "2001-12-31" }, screenings: [] });
  });
});

describe("npm run export: PDF", () => {
  it("is a document whose text holds the reference, every decision and the chain's verification, with page numbers", async () => {
    const file = join(dir, "record.pdf");
    const run = await runExport([highRef, "--out", file]);
    expect(run.code, run.err.join("\n")).toBe(0);
    const bytes = await readFile(file);
    expect(bytes.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    const { pages, text } = await pdfText(bytes);
    const all = flat(text);
    expect(pages.length).toBeGreaterThan(1);
    pages.forEach((page, i) => expect(flat(page)).toContain(`Page ${i + 1} of ${pages.length}`));
    expect(all).toContain("Human-rights due diligence record");
    expect(all).toContain(`Screening ${highRef}`);
    expect(all).toContain("Audit trail verified: intact.");
    for (const section of ["1. Decisions", "2. Risk score and its factors", "3. Reference facts applied", "4. Restricted-party screening", "5. Answers and their history", "6. Audit trail of this screening"]) {
      expect(all).toContain(section);
    }
    const row = await screeningRow(highRef);
    expect(row.escalation?.decisions).toHaveLength(1);
    for (const d of row.escalation?.decisions ?? []) {
      expect(all).toContain(d.deciderId);
      expect(all).toContain(d.rationale);
    }
    expect(all).toContain("Reject (round 1)");
    expect(all).toContain(row.ruleSetHash);
  });

  it("of a period, holds every screening's decisions", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const run = await runExport(["--from", "2000-01-01", "--to", today, "--out", join(dir, "period.pdf")]);
    expect(run.code).toBe(0);
    const bytes = await readFile(join(dir, "period.pdf"));
    // kept for a person to look at (test-artifacts/ is not committed)
    await mkdir(ARTIFACTS, { recursive: true });
    await writeFile(join(ARTIFACTS, "period.pdf"), bytes);
    const all = flat((await pdfText(bytes)).text);
    for (const reference of [ref, highRef, lowRef]) expect(all).toContain(`Screening ${reference}`);
    expect(all).toContain("Approve with conditions (round 1)");
    expect(all).toContain(RATIONALE);
    expect(all).toContain(OWN_WORDS);
    expect(all).toContain("Reject (round 1)");
    expect(all).toContain(REJECTION);
    expect(all).toContain("Cleared without escalation");
  });
});

describe("/screening export", () => {
  it("sends an approver the record as a PDF file in their DM, and records it", async () => {
    const since = e2e.api.calls.length;
    const reply = await e2e.person(APPROVER).command(`export ${ref.toLowerCase()}`);
    expect(reply.status).toBe(200);
    expect(JSON.stringify(reply.json)).toContain("Preparing the record (PDF)");
    const files = e2e.api.files().filter((f) => f.filename === `${ref}-record.pdf`);
    expect(files).toHaveLength(1);
    const [file] = files;
    expect(file?.channel).toBe(e2e.api.workspace.dmChannelOf(APPROVER));
    expect(file?.bytes?.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect(flat((await pdfText(file?.bytes ?? new Uint8Array())).text)).toContain(`Screening ${ref}`);
    const methods = e2e.api.calls.slice(since).map((c) => c.method);
    expect(methods).toEqual(expect.arrayContaining(["chat.postMessage", "files.getUploadURLExternal", "files.completeUploadExternal"]));
    expect(e2e.api.dms(APPROVER).some((m) => m.text.includes(`The full record of ${ref}`))).toBe(true);
    const row = await screeningRow(ref);
    const exported = await e2e.db.prisma.auditEvent.findMany({ where: { screeningId: row.id, type: "record.exported", actorId: APPROVER } });
    expect(exported.map((e) => e.data)).toEqual([expect.objectContaining({ format: "pdf", via: "slack" })]);
  });

  it("gives CSV when asked", async () => {
    await e2e.person(APPROVER).command(`export ${highRef} csv`);
    const file = e2e.api.files().find((f) => f.filename === `${highRef}-record.csv`);
    expect(parseCsv(file?.bytes?.toString("utf8") ?? "")[0]).toEqual([...CSV_COLUMNS]);
  });

  it("refuses anyone who is not an approver, the requester included, sends nothing and audits the refusal", async () => {
    const filesBefore = e2e.api.files().length;
    const person = e2e.person(REQUESTER);
    const reply = await person.command(`export ${ref}`);
    expect(person.lastEphemeralText(reply)).toContain("Only compliance approvers can export a screening's record");
    // the same words for a reference that does not exist: nothing to probe
    const unknown = await person.command("export DD-1999-9999");
    expect(person.lastEphemeralText(unknown)).toContain("Only compliance approvers can export a screening's record");
    expect(e2e.api.files()).toHaveLength(filesBefore);
    const row = await screeningRow(ref);
    const refusals = await e2e.db.prisma.auditEvent.findMany({ where: { type: "access.refused", actorId: REQUESTER }, orderBy: { seq: "asc" } });
    expect(refusals.map((e) => [e.screeningId, e.data])).toEqual([
      [row.id, { reason: "export_not_approver", format: "pdf" }],
      [null, { reason: "export_not_approver", format: "pdf" }],
    ]);
  });

  it("tells an approver what to type when the reference is missing or not one", async () => {
    const person = e2e.person(APPROVER);
    expect(person.lastEphemeralText(await person.command("export"))).toContain("Which screening? Type `/screening export DD-2026-0007`");
    expect(person.lastEphemeralText(await person.command(`export ${ref} docx`))).toContain("Unknown format");
    // a reference that names no screening: said once the command is acknowledged, nothing sent
    const files = e2e.api.files().length;
    expect(person.lastEphemeralText(await person.command("export DD-1999-9999"))).toContain("No screening DD-1999-9999");
    expect(e2e.api.files()).toHaveLength(files);
  });
});

describe("npm run records:delete", () => {
  it("refuses inside the retention period, says until when, changes nothing and audits the attempt", async () => {
    const row = await screeningRow(ref);
    const answersBefore = await e2e.db.prisma.answer.count({ where: { screeningId: row.id } });
    const run = await runDelete([ref, "--yes"]);
    expect(run.code).toBe(1);
    const said = run.err.join("\n");
    expect(said).toContain(`${ref} cannot be deleted: records are kept for 5 years after their last change (RECORDS_RETENTION_YEARS)`);
    expect(said).toMatch(/so it is kept until \d{4}-\d\d-\d\d\. Nothing was deleted; this attempt is recorded in the audit trail\./);
    expect(await e2e.db.prisma.answer.count({ where: { screeningId: row.id } })).toBe(answersBefore);
    const after = await screeningRow(ref);
    expect(after.version).toBe(row.version);
    expect(after.escalation?.decisions[0]?.rationale).toBe(RATIONALE);
    const refused = await e2e.db.prisma.auditEvent.findMany({ where: { screeningId: row.id, type: "record.deletion_refused" } });
    expect(refused).toHaveLength(1);
    expect(refused[0]?.data).toMatchObject({ reason: "retention_period", retentionYears: "5" });
    expect(refused[0]?.actorId).toMatch(/^cli/);
  });

  it("refuses an unknown reference and audits it", async () => {
    const run = await runDelete(["DD-1999-9999"]);
    expect(run.code).toBe(1);
    expect(run.err.join("\n")).toContain("No screening DD-1999-9999: nothing was deleted.");
    expect(await e2e.db.prisma.auditEvent.count({ where: { type: "record.deletion_refused", data: { path: ["reason"], equals: "unknown_screening" } } })).toBe(1);
  });

  it("after the period, says what deleting erases, then erases the content and keeps the audit trail whole", async () => {
    const later = () => new Date(Date.now() + 6 * YEAR);
    const row = await screeningRow(ref);
    const preview = await runDelete([ref], later);
    expect(preview.code).toBe(0);
    expect(preview.out.join("\n")).toContain(`${ref} may be deleted`);
    expect(preview.out.join("\n")).toContain(`Nothing was erased. To erase it: npm run records:delete -- ${ref} --yes`);
    expect(await e2e.db.prisma.answer.count({ where: { screeningId: row.id } })).toBeGreaterThan(0);

    const eventsBefore = await e2e.db.prisma.auditEvent.findMany({ where: { screeningId: row.id }, orderBy: { seq: "asc" } });
    const erased = await runDelete([ref, "--yes"], later);
    expect(erased.code, erased.err.join("\n")).toBe(0);
    expect(erased.out.join("\n")).toContain(`erased the content of ${ref}`);
    const after = await screeningRow(ref);
    expect(await e2e.db.prisma.answer.count({ where: { screeningId: row.id } })).toBe(0);
    expect(after).toMatchObject({ reference: ref, status: "approved", score: row.score, tier: row.tier, scoring: null, drafts: null });
    expect(after.escalation?.decisions).toEqual([expect.objectContaining({ outcome: "approve_with_conditions", deciderId: APPROVER, rationale: "", conditionsText: null, conditions: [conditionId] })]);
    // the trail: every earlier event as it was, one more recording the erasure, and the chain intact
    const eventsAfter = await e2e.db.prisma.auditEvent.findMany({ where: { screeningId: row.id }, orderBy: { seq: "asc" } });
    expect(eventsAfter.slice(0, eventsBefore.length)).toEqual(eventsBefore);
    expect(eventsAfter.slice(eventsBefore.length).map((e) => e.type)).toEqual(["record.erased"]);
    expect((await verifyAuditChain(e2e.db.prisma)).ok).toBe(true);

    // the export says what is left, and when the rest was erased
    const { record } = await exportJson(ref);
    expect(record.screenings[0]).toMatchObject({ answers: [], outcome: null, retention: { erasedAt: expect.any(String) }, decisions: [expect.objectContaining({ outcome: "approve_with_conditions", rationale: "" })] });
    const again = await runDelete([ref, "--yes"], later);
    expect(again.code).toBe(0);
    expect(again.out.join("\n")).toContain("nothing left to delete");
  });
});

describe("a tampered audit row", () => {
  it("makes every format say the audit trail is broken", async () => {
    const row = await screeningRow(highRef);
    const target = await e2e.db.prisma.auditEvent.findFirstOrThrow({ where: { screeningId: row.id, type: "decision.recorded" } });
    // someone with write access to the database edits a past event
    await e2e.db.prisma.$executeRawUnsafe(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update`);
    await e2e.db.prisma.$executeRawUnsafe(`UPDATE audit_events SET data = jsonb_set(data, '{outcome}', '"approve"') WHERE seq = $1`, target.seq);
    await e2e.db.prisma.$executeRawUnsafe(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update`);

    const { code, record } = await exportJson(highRef);
    expect(code).toBe(1);
    expect(record.auditChain).toMatchObject({ intact: false, brokenAt: { seq: target.seq.toString() } });
    expect(record.auditChain.statement).toMatch(new RegExp(`^AUDIT TRAIL BROKEN at event seq ${target.seq}: .*events from seq ${target.seq} on cannot be trusted\\.$`));
    const events = record.screenings[0]?.auditEvents ?? [];
    for (const e of events) expect(e.verified, `seq ${e.seq}`).toBe(BigInt(e.seq) < target.seq);

    const csvFile = join(dir, "tampered.csv");
    expect((await runExport([highRef, "--format", "csv", "--out", csvFile])).code).toBe(1);
    const rows = parseCsv(await readFile(csvFile, "utf8")).slice(1);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r[CSV_COLUMNS.indexOf("audit_chain")]).toMatch(/^AUDIT TRAIL BROKEN at event seq \d+/);

    const pdfFile = join(dir, "tampered.pdf");
    const pdf = await runExport([highRef, "--out", pdfFile]);
    expect(pdf.code).toBe(1);
    expect(pdf.out.join("\n")).toContain("AUDIT TRAIL BROKEN");
    const { pages, text } = await pdfText(await readFile(pdfFile));
    expect(flat(text)).toContain(`AUDIT TRAIL BROKEN at event seq ${target.seq}`);
    for (const page of pages) expect(flat(page)).toContain(`AUDIT TRAIL BROKEN at seq ${target.seq}: see page 1`);
    expect(flat(text)).toContain("NOT VERIFIED");
  });
});
