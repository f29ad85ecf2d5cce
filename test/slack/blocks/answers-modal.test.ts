import type { AnyBlock, HeaderBlock } from "@slack/types";
import { beforeAll, describe, expect, it } from "vitest";
import { changedAnswers } from "../../../src/domain/answer-changes.js";
import { describeAnswer, interviewState } from "../../../src/domain/interview.js";
import type { ScreeningAnswers, ScreeningDetail } from "../../../src/domain/records.js";
import { QuestionnaireSchema, type AnswerValue, type RuleSet } from "../../../src/domain/rule-set.js";
import { loadRuleSet } from "../../../src/rules/load.js";
import { checkBlockKitLimits } from "../../../src/sandbox/block-kit-limits.js";
import { CHANGED_MARK, buildAnswersModal } from "../../../src/slack/blocks/answers-modal.js";
import { escapeMrkdwn } from "../../../src/slack/blocks/text.js";
import { CALLBACK } from "../../../src/slack/ids.js";
import { tinyRuleSet } from "../../support/tiny-rule-set.js";
import { blockKitProblems, mrkdwnStrings, plainStrings, unexpectedControls } from "./block-kit-limits.js";
import { APPROVER_A, INJECTION, INJECTION_ESCAPED, decisionRecord, escalatedDetail, largestAnswerSet, screeningRecord, tinyHighRiskAnswers } from "./fixtures.js";

const isHeader = (b: AnyBlock): b is HeaderBlock => b.type === "header";

function modalOf(ruleSet: RuleSet, detail: ScreeningDetail, resubmission: ScreeningAnswers["resubmission"] = null) {
  return buildAnswersModal({ ruleSet, answers: { detail, resubmission } });
}

describe("buildAnswersModal", () => {
  const ruleSet = tinyRuleSet();

  it("lists the licences and authorisations approvals were given under, escaped", () => {
    const decisions = [
      decisionRecord({
        outcome: "approve_under_authorisation",
        deciderId: APPROVER_A,
        authorisation: { reference: `D123 ${INJECTION}`, issuer: "eu_member_state", issuerName: "BAFA", issuedOn: "2026-10-01" },
      }),
    ];
    const view = modalOf(ruleSet, escalatedDetail(ruleSet, { answers: { ...tinyHighRiskAnswers(), destination: "CU" }, decisions }));
    const text = mrkdwnStrings(view).join("\n");
    expect(text).toContain(`• <@${APPROVER_A}> · D123 ${INJECTION_ESCAPED} · EU member-state authority: BAFA · issued 2026-10-01`);
    expect(unexpectedControls(view)).toEqual([]);
    expect(blockKitProblems("modal", view)).toEqual([]);
  });

  it("shows every answer in force under its page's title, as a person reads it, and nothing out of force", () => {
    // a police end user: the intelligence-only question is not asked; a stale answer to it stays hidden
    const answers: Record<string, AnswerValue> = { ...tinyHighRiskAnswers(), end_user_type: "police", misuse_details: "stale answer" };
    const view = modalOf(ruleSet, escalatedDetail(ruleSet, { answers }));
    expect(view.callback_id).toBe(CALLBACK.answers);
    expect(view.title.text).toBe("Answers DD-2026-0007");
    expect(view.submit).toBeUndefined();
    const headers = view.blocks.filter(isHeader).map((h) => h.text.text);
    expect(headers).toEqual(["DD-2026-0007 · Tier High", "Transaction", "End user", "Government use", "Safeguards"]);
    const text = mrkdwnStrings(view).join("\n");
    for (const { questions } of interviewState(ruleSet, answers).pages) {
      for (const q of questions) expect(text).toContain(`*${q.label}*\n>${escapeMrkdwn(describeAnswer(ruleSet, q, answers[q.id]))}`);
    }
    expect(text).toContain("*Functions*\n>Intercept, Locate");
    expect(text).toContain("*Value*\n>250,000");
    expect(text).not.toContain("stale answer");
    expect(text).not.toContain("*Details*");
    expect(blockKitProblems("modal", view)).toEqual([]);
  });

  it("puts the answers below their own page: a page's header comes before its questions", () => {
    const view = modalOf(ruleSet, escalatedDetail(ruleSet));
    const order = view.blocks.map((b) => (isHeader(b) ? `# ${b.text.text}` : JSON.stringify(b)));
    const at = (needle: string) => order.findIndex((x) => x.includes(needle));
    expect(at("# Safeguards")).toBeGreaterThan(at("Reported misuse?"));
    expect(at("Human-rights clause?")).toBeGreaterThan(at("# Safeguards"));
  });

  it("shows the score with its scale, hard stops first, then every factor by weight with its source", () => {
    const detail = escalatedDetail(ruleSet, { answers: { ...tinyHighRiskAnswers(), destination: "CU", hr_clause: "yes" } });
    const scoring = detail.screening.scoring;
    if (!scoring) throw new Error("scored");
    const text = mrkdwnStrings(modalOf(ruleSet, detail)).join("\n");
    expect(text).toContain(`*Score*\n${scoring.total} — at or above the escalation threshold of 25`);
    const hardStop = text.indexOf("• :no_entry: Embargoed · Source: _Test source §1_");
    const factorsHead = text.indexOf(`*Factors by weight* (${scoring.factors.length})`);
    expect(hardStop).toBeGreaterThan(0);
    expect(factorsHead).toBeGreaterThan(hardStop);
    const positions = [...scoring.factors]
      .sort((a, b) => b.points - a.points)
      .map((f) => text.indexOf(`*${f.points > 0 ? "+" : ""}${f.points}* ${f.rationale ?? ""}`, factorsHead));
    expect(positions.every((p) => p > factorsHead)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(text).toContain("• *-10* Clause (answer: Yes) · Mitigation · Source: _Test source §1_");
  });

  it("lists the reference data the scoring applied with source and date, and nothing when there is none", () => {
    const detail = escalatedDetail(ruleSet);
    const scoring = detail.screening.scoring;
    if (!scoring) throw new Error("scored");
    const withoutFacts = { ...detail, screening: { ...detail.screening, scoring: { ...scoring, facts: undefined } } };
    expect(mrkdwnStrings(modalOf(ruleSet, withoutFacts)).join("\n")).not.toContain("Reference data");
    const facts = [
      { subject: "Germany", statement: "Party to the ICCPR", source: "UN Treaty Collection", asOf: "2026-01-15" },
      { subject: "Germany: legal framework", statement: `No assessment on file ${INJECTION}`, source: "Compliance" },
    ];
    const view = modalOf(ruleSet, { ...detail, screening: { ...detail.screening, scoring: { ...scoring, facts } } });
    const text = mrkdwnStrings(view).join("\n");
    expect(text).toContain("*Reference data applied* (2)");
    expect(text).toContain("• *Germany*: Party to the ICCPR · Source: _UN Treaty Collection_ · as of 2026-01-15");
    expect(text).toContain(`• *Germany: legal framework*: No assessment on file ${INJECTION_ESCAPED} · Source: _Compliance_`);
    expect(text).not.toContain("Source: _Compliance_ · as of");
    expect(unexpectedControls(view)).toEqual([]);
  });

  it("after a resubmission, highlights each changed answer old → new, and where it sits on its page", () => {
    const before = tinyHighRiskAnswers();
    const after = { ...before, end_user_type: "police", end_user: "Federal police, unit 7", hr_clause: "yes" };
    const changes = changedAnswers(ruleSet, before, after);
    const view = modalOf(ruleSet, escalatedDetail(ruleSet, { answers: after, round: 2 }), {
      previousSubmittedAt: new Date("2026-03-02T10:00:00Z"),
      pending: false,
      changes,
    });
    const text = mrkdwnStrings(view).join("\n");
    expect(text).toContain(`${CHANGED_MARK} *4 answers changed* since the submission of <!date^`);
    expect(text).toContain("• *End user*: Ministry of Interior, cyber unit → Federal police, unit 7");
    expect(text).toContain("• *Type*: Intelligence → Police");
    expect(text).toContain("• *Details*: Reports of journalists targeted. → (not answered)");
    expect(text).toContain("• *Human-rights clause?*: No → Yes");
    // on its page: marked, the new answer quoted, the old one after it
    expect(text).toContain(`${CHANGED_MARK} *Type* _(changed)_\n>Police\nwas: Intelligence`);
    expect(text).toContain("*Audit rights?*\n>No");
    expect(text).not.toContain(`${CHANGED_MARK} *Audit rights?*`);
  });

  it("says when a resubmission changed nothing, and when the requester is still changing answers", () => {
    const detail = escalatedDetail(ruleSet, { round: 2 });
    const unchanged = mrkdwnStrings(modalOf(ruleSet, detail, { previousSubmittedAt: new Date("2026-03-02T10:00:00Z"), pending: false, changes: [] })).join("\n");
    expect(unchanged).toContain("No answer changed since the submission of");
    expect(unchanged).not.toContain("not resubmitted yet");
    const pending = mrkdwnStrings(modalOf(ruleSet, detail, { previousSubmittedAt: new Date("2026-03-02T10:00:00Z"), pending: true, changes: [] })).join("\n");
    expect(pending).toContain("not resubmitted yet");
  });

  it("before any submission shows the answers so far and says it is not scored", () => {
    const view = modalOf(ruleSet, { screening: screeningRecord(), answers: { item: "spyware" }, escalation: null });
    const text = mrkdwnStrings(view).join("\n");
    expect(text).toContain("*Item*\n>Spyware");
    expect(text).toContain("Not scored yet");
    expect(blockKitProblems("modal", view)).toEqual([]);
  });

  it("escapes every answer and shows nothing a person typed as a mention or link", () => {
    const answers = { ...tinyHighRiskAnswers(INJECTION), misuse_details: INJECTION };
    const changes = [{ questionId: "end_user", before: INJECTION, after: INJECTION } as const];
    const view = modalOf(ruleSet, escalatedDetail(ruleSet, { answers }), { previousSubmittedAt: new Date(), pending: false, changes: [...changes] });
    expect(unexpectedControls(view)).toEqual([]);
    expect(mrkdwnStrings(view).join("\n")).toContain(INJECTION_ESCAPED);
    // plain text (titles, headers) never parses mentions: no escaping needed there
    expect(plainStrings(view).join("\n")).not.toContain("&lt;");
  });
});

describe("buildAnswersModal on the shipped rule set", () => {
  let ruleSet: RuleSet;
  beforeAll(async () => {
    const load = await loadRuleSet("rules");
    if (!load.ok) throw new Error(`rules/ does not load: ${JSON.stringify(load.problems.slice(0, 3))}`);
    ruleSet = load.ruleSet;
  });

  function worstCase(text: string): { detail: ScreeningDetail; resubmission: NonNullable<ScreeningAnswers["resubmission"]> } {
    const answers = largestAnswerSet(ruleSet, text) as Record<string, AnswerValue>;
    const detail = escalatedDetail(ruleSet, { answers, round: 2 });
    const before = Object.fromEntries(Object.entries(answers).map(([k, v]) => [k, typeof v === "string" ? `${v.slice(0, -1)}!` : v]));
    const resubmission = { previousSubmittedAt: new Date("2026-03-02T10:00:00Z"), pending: false, changes: changedAnswers(ruleSet, before, answers) };
    return { detail, resubmission };
  }

  it("fits Slack's modal limits with every question answered at full length, and every change", () => {
    const { detail, resubmission } = worstCase("<!channel> & ");
    expect(resubmission.changes.length).toBeGreaterThan(10);
    const view = buildAnswersModal({ ruleSet, answers: { detail, resubmission } });
    expect(blockKitProblems("modal", view)).toEqual([]);
    expect(checkBlockKitLimits("modal", view)).toEqual([]);
    expect(unexpectedControls(view)).toEqual([]);
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(new TextEncoder().encode(JSON.stringify(view)).length).toBeLessThan(250_000);
  });

  it("still names every question in force and every page when answers must be shortened", () => {
    const { detail, resubmission } = worstCase("x");
    const view = buildAnswersModal({ ruleSet, answers: { detail, resubmission } });
    const text = mrkdwnStrings(view).join("\n");
    const headers = view.blocks.filter(isHeader).map((h) => h.text.text);
    const { pages } = interviewState(ruleSet, detail.answers);
    expect(pages.length).toBeGreaterThan(5);
    for (const { page, questions } of pages) {
      expect(headers).toContain(page.title);
      for (const q of questions) expect(text).toContain(escapeMrkdwn(q.label).slice(0, 59));
    }
  });
});

describe("buildAnswersModal on a questionnaire larger than one modal", () => {
  /** The tiny rule set with `pages` pages of `perPage` long free-text questions. */
  function large(pages: number, perPage: number): { ruleSet: RuleSet; answers: Record<string, AnswerValue> } {
    const tiny = tinyRuleSet();
    const questionnaire = QuestionnaireSchema.parse({
      label: "large",
      summary: tiny.questionnaire.summary,
      pages: [
        tiny.questionnaire.pages[0],
        ...Array.from({ length: pages }, (_, p) => ({
          id: `page_${p}`,
          title: `Page ${p} ${"t".repeat(12)}`,
          questions: Array.from({ length: perPage }, (_, q) => ({
            id: `q_${p}_${q}`,
            type: "free_text",
            label: `Question ${p}.${q} ${"l".repeat(200)}`,
            source: "Test source",
            multiline: true,
            max_length: 3000,
          })),
        })),
      ],
    });
    const ruleSet = { ...tiny, questionnaire };
    const answers: Record<string, AnswerValue> = { ...tinyHighRiskAnswers() };
    for (const page of questionnaire.pages.slice(1)) for (const q of page.questions) answers[q.id] = `${"<!here> & ".repeat(300)}`.slice(0, 3000);
    return { ruleSet, answers };
  }

  it("shortens labels and answers until it fits, still naming every page and question", () => {
    const { ruleSet, answers } = large(20, 8);
    const detail = escalatedDetail(ruleSet, { answers });
    const view = buildAnswersModal({ ruleSet, answers: { detail, resubmission: null } });
    expect(blockKitProblems("modal", view)).toEqual([]);
    expect(checkBlockKitLimits("modal", view)).toEqual([]);
    expect(unexpectedControls(view)).toEqual([]);
    const text = mrkdwnStrings(view).join("\n");
    const headers = view.blocks.filter(isHeader).map((h) => h.text.text);
    for (const { page, questions } of interviewState(ruleSet, answers).pages) {
      expect(headers).toContain(page.title);
      for (const q of questions) expect(text).toContain(q.label.slice(0, 20));
    }
    expect(text).not.toContain("Not everything fits");
  });

  it("when even the shortest form is too long, keeps 100 blocks and says what is left out", () => {
    const { ruleSet, answers } = large(120, 2);
    const view = buildAnswersModal({ ruleSet, answers: { detail: escalatedDetail(ruleSet, { answers }), resubmission: null } });
    expect(view.blocks).toHaveLength(100);
    expect(blockKitProblems("modal", view)).toEqual([]);
    expect(mrkdwnStrings(view).at(-1)).toContain("Not everything fits in one view");
  });
});
