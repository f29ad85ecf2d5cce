// The restricted-party matcher over the synthetic CSL sample (test/fixtures/lists/): which
// spellings of a listed name are found, which unrelated names are not, and how the score moves
// with the party's country and the list's weight. (Its speed is measured by `npm run bench`.)
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  buildListIndex,
  countryCode,
  DEFAULT_SCREENING_SETTINGS,
  listWeight,
  nameTokens,
  normaliseName,
  partiesFromAnswers,
  partyMatchState,
  PartyMatchSchema,
  screenNames,
  splitPartyNames,
  tokenSimilarity,
  type ListEntry,
  type ListIndex,
  type PartyMatch,
  type ScreeningSettings,
} from "../../src/domain/party-matching.js";
import { parseCslCsv } from "../../src/lists/csl.js";
import { loadRuleSetSync } from "../../src/rules/load.js";

const SAMPLE = "test/fixtures/lists/csl-sample.csv";
let entries: ListEntry[];
let index: ListIndex;

beforeAll(() => {
  const parsed = parseCslCsv(SAMPLE, readFileSync(SAMPLE, "utf8"));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  entries = parsed.entries;
  index = buildListIndex(entries);
});

/** The shipped threshold and weights (rules/risk-model.yml), without reading the rule set. */
const SHIPPED: ScreeningSettings = {
  threshold: 0.88,
  country_bonus: 0.04,
  list_weights: { "Entity List": 1, "Specially Designated Nationals": 1, "Unverified List": 0.95, "Nonproliferation Sanctions": 0.95 },
  default_weight: 0.95,
};

function screen(name: string, opts: { country?: string; settings?: ScreeningSettings } = {}): PartyMatch[] {
  return screenNames(index, [{ questionId: "end_user_name", name, ...(opts.country ? { country: opts.country } : {}) }], opts.settings ?? SHIPPED);
}

function entryIds(name: string, opts: { country?: string; settings?: ScreeningSettings } = {}): string[] {
  return screen(name, opts).map((m) => m.entryId);
}

describe("normaliseName", () => {
  it("ignores case, punctuation, legal forms at either end, and word order", () => {
    const same = ["Example Tekhnologii OOO", "EXAMPLE TEKHNOLOGII", "OOO Example Tekhnologii", "Tekhnologii, Example (LLC)", "Example Technologies Co., Ltd.", "Example Technologies Limited Liability Company"];
    expect(new Set(same.map(normaliseName)).size).toBe(1);
  });

  it("folds diacritics and transliterates Cyrillic and Chinese to Latin", () => {
    expect(normaliseName("Société Tarvossa d'Électronique SARL")).toBe(normaliseName("Societe Tarvossa d'Electronique"));
    expect(normaliseName("ООО «Пример Технологии»")).toBe(normaliseName("Primer Tekhnologii"));
    expect(normaliseName("Ястреб Техника АО")).toBe(normaliseName("Yastreb Tekhnika"));
    expect(normaliseName("例子科技有限公司")).toBe(normaliseName("Lizi Technology Co., Ltd."));
  });

  it("spells the variants of the lists' common words one way: Tekhnologii/Technologies, Intl/International, &/and", () => {
    expect(nameTokens("Tekhnologii")).toEqual(nameTokens("Technologies"));
    expect(nameTokens("Intl")).toEqual(nameTokens("International"));
    expect(normaliseName("Marvessa & Orvandel")).toBe(normaliseName("Marvessa and Orvandel"));
    expect(normaliseName("Vasiliy Khabarov")).toBe(normaliseName("Vasily Habarov"));
  });

  it.each([
    "LLC", "Ltd", "Ltd.", "Limited", "Inc.", "Corp.", "Co.", "GmbH", "AG", "S.A.", "SAS", "S.A.R.L.", "B.V.", "N.V.", "S.p.A.", "S.r.l.", "PLC", "LLP",
    "FZE", "FZCO", "FZ-LLC", "DMCC", "JSC", "OJSC", "PJSC", "CJSC", "OOO", "OAO", "ZAO", "AO", "PAO", "TOO", "Sdn. Bhd.", "Pte. Ltd.", "Pty Ltd",
    "K.K.", "Co., Ltd.", "Company", "Limited Liability Company", "Joint Stock Company",
  ])("strips the legal form %s after the name and before it", (form) => {
    expect(normaliseName(`Zorblax Dravonik ${form}`)).toBe("dravonik zorblaks");
    expect(normaliseName(`${form} Zorblax Dravonik`)).toBe("dravonik zorblaks");
  });

  it("keeps a name made only of legal forms rather than leaving nothing", () => {
    expect(normaliseName("Company Limited")).not.toBe("");
    expect(nameTokens("   ")).toEqual([]);
  });
});

describe("tokenSimilarity", () => {
  it("accepts one edit in a word of 4+ letters, two from 8 letters on, never in short words", () => {
    expect(tokenSimilarity("aleksandr", "aleksander")).toBeGreaterThan(0.85);
    expect(tokenSimilarity("blenmark", "blenmork")).toBeGreaterThan(0.8);
    expect(tokenSimilarity("abc", "abd")).toBe(0);
    expect(tokenSimilarity("dravon", "gralik")).toBe(0);
  });
});

describe("screenNames over the synthetic sample", () => {
  it.each([
    ["exact name", "Example Tekhnologii OOO", "ex-el-0001", "Example Tekhnologii OOO"],
    ["alt name", "Shenzhen Lizi Keji", "ex-el-0005", "Shenzhen Lizi Keji"],
    ["reordered words", "Ivan Ipsumovich Doevsky", "ex-sdn-0006", "DOEVSKY, Ivan Ipsumovich"],
    ["reordered words of a company", "Systems Vostok Quorvex", "ex-uvl-0007", "Quorvex Vostok Systems"],
    ["another legal form", "Blenmark Optics LLC", "ex-isn-0009", "Blenmark Optics Co., Ltd."],
    ["no legal form", "Pyrexa International Trading", "ex-el-0029", "Pyrexa International Trading Co., Ltd."],
    ["without diacritics", "Societe Tarvossa d'Electronique", "ex-el-0003", "Société Tarvossa d'Électronique SARL"],
    ["diacritic written out (ü as ue)", "Nordlicht Ueberwachungstechnik", "ex-el-0008", "Nordlicht Überwachungstechnik GmbH"],
    ["Cyrillic, matching a Latin alt name", "ООО «Пример Технологии»", "ex-el-0001", "OOO Primer Tekhnologii"],
    ["Latin, matching a Cyrillic alt name", "Yastreb Tekhnika", "ex-el-0019", "Yastreb Tekhnika AO"],
    ["Chinese", "例子科技有限公司", "ex-el-0005", "Lizi Technology Co., Ltd."],
    ["another transliteration (ts/c) and a legal prefix", "JSC Zarnica Global Security Technologies", "ex-sdn-0002", "Zarnitsa Global Security Technologies FZ-LLC"],
    ["a typo", "Kestrava Aerospace Reserch Institute", "ex-el-0011", "Kestrava Aerospace Research Institute"],
    ["words written apart", "Li Zi Technology", "ex-el-0005", "Lizi Technology Co., Ltd."],
    ["words written together", "Blenmarkoptics", "ex-isn-0009", "Blenmark Optics Co., Ltd."],
  ])("finds a listed party by its %s: %s", (_kind, name, entryId, listedName) => {
    const matches = screen(name);
    const hit = matches.find((m) => m.entryId === entryId);
    expect(hit, JSON.stringify(matches)).toBeDefined();
    expect(hit?.listedName).toBe(listedName);
    expect(hit?.score).toBeGreaterThanOrEqual(SHIPPED.threshold);
  });

  it.each([
    "International Trading",
    "International Trading Co., Ltd.",
    "Global Security Technologies",
    "Global Security Technologies LLC",
    "Acme International Trading FZE",
    "Global Security Group",
    "Ocean Star",
    "Nordic Secure AB",
    "Baltic Freight Forwarding SIA",
  ])("does not match an unrelated name that only shares common words with listed ones: %s", (name) => {
    expect(screen(name, { settings: { ...SHIPPED, threshold: 0.5 } })).toEqual([]);
  });

  it("does not match a listed name whose distinctive word is missing, however many common words agree", () => {
    // "Velquist International Trading FZE" and "Korvath Trading International LLC" are listed
    expect(entryIds("Zorblax International Trading FZE", { settings: { ...SHIPPED, threshold: 0.5 } })).toEqual([]);
  });

  it("reports each entry once per name, with the entry's details, hash and links", () => {
    const [m, ...rest] = screen("Example Tekhnologii");
    expect(rest).toEqual([]);
    expect(PartyMatchSchema.parse(m)).toMatchObject({
      questionId: "end_user_name",
      partyName: "Example Tekhnologii",
      normalisedName: normaliseName("Example Tekhnologii"),
      entryId: "ex-el-0001",
      source: "Entity List (EL) - Bureau of Industry and Security",
      programs: ["EAR"],
      entryType: "Entity",
      sourceListUrl: "https://lists.example.org/csl/el",
      sourceInformationUrl: "https://lists.example.org/csl/el/about",
    });
    expect(m?.entryHash).toBe(entries.find((e) => e.id === "ex-el-0001")?.hash);
  });

  it("raises the score when the party's country is one of the entry's countries", () => {
    const settings = { ...SHIPPED, threshold: 0.5 };
    // an extra word on our side keeps the name score below 1, so the bonus shows
    const without = screen("Example Tekhnologii Moscow", { settings })[0];
    const elsewhere = screen("Example Tekhnologii Moscow", { settings, country: "DE" })[0];
    const agreeing = screen("Example Tekhnologii Moscow", { settings, country: "RU" })[0];
    expect(without?.nameScore).toBeLessThan(1);
    expect(elsewhere?.score).toBe(without?.score);
    expect(elsewhere?.countryAgrees).toBe(false);
    expect(agreeing?.countryAgrees).toBe(true);
    expect(agreeing?.score).toBeCloseTo((without?.score ?? 0) + SHIPPED.country_bonus, 3);
    // ...and can lift a name over the threshold
    expect(entryIds("Example Tekhnologii Moscow")).toEqual([]);
    expect(entryIds("Example Tekhnologii Moscow", { country: "RU" })).toEqual(["ex-el-0001"]);
  });

  it("counts citizenships and nationalities of individuals as their countries", () => {
    const settings = { ...SHIPPED, threshold: 0.5 };
    expect(screen("Ivan Doevsky Petrovich", { settings, country: "RU" })[0]?.countryAgrees).toBe(true);
  });

  it("applies the weight of the entry's list, by the start of its source", () => {
    // Quorvex Vostok Systems is on the Unverified List: weight 0.95 in the shipped settings
    expect(screen("Quorvex Vostok Systems")[0]?.score).toBe(0.95);
    expect(screen("Quorvex Vostok Systems", { settings: { ...SHIPPED, list_weights: {}, default_weight: 1 } })[0]?.score).toBe(1);
    // a weight below the threshold hides an exact name; another list keeps its own weight
    const strict = { ...SHIPPED, list_weights: { "Unverified List": 0.8 } };
    expect(entryIds("Quorvex Vostok Systems", { settings: strict })).toEqual([]);
    expect(entryIds("Blenmark Optics", { settings: strict })).toEqual(["ex-isn-0009"]);
    expect(listWeight("Unverified List (UVL) - Bureau of Industry and Security", SHIPPED)).toBe(0.95);
    expect(listWeight("Entity List (EL) - Bureau of Industry and Security", { ...SHIPPED, list_weights: { Entity: 0.9, "Entity List": 1.1 } })).toBe(1.1);
    expect(listWeight("ITAR Debarred (DTC) - State Department", SHIPPED)).toBe(SHIPPED.default_weight);
  });

  it("screens every name it is given and orders the matches best first", () => {
    const matches = screenNames(
      index,
      [
        { questionId: "intermediaries_names", name: "Nordic Secure AB" },
        { questionId: "intermediaries_names", name: "Kestrava Aerospace Reserch Institute" },
        { questionId: "consignee_name", name: "Blenmark Optics", country: "KP" },
      ],
      DEFAULT_SCREENING_SETTINGS,
    );
    expect(matches.map((m) => [m.questionId, m.entryId])).toEqual([
      ["consignee_name", "ex-isn-0009"],
      ["intermediaries_names", "ex-el-0011"],
    ]);
    expect(matches[0]?.score).toBeGreaterThan(matches[1]?.score ?? 1);
  });
});

describe("DEFAULT_SCREENING_SETTINGS", () => {
  it("are the rule-set schema's defaults", () => {
    expect(DEFAULT_SCREENING_SETTINGS).toEqual({ threshold: 0.88, country_bonus: 0.04, list_weights: {}, default_weight: 1 });
  });
});

describe("countryCode", () => {
  it("takes ISO codes and English names, and knows no withdrawn codes", () => {
    expect([countryCode("ru"), countryCode("Russia"), countryCode("Russian Federation"), countryCode("Burma"), countryCode("Hong Kong")]).toEqual(["RU", "RU", "RU", "MM", "HK"]);
    expect([countryCode("SU"), countryCode("XX"), countryCode("Atlantis"), countryCode("")]).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe("parties in the answers", () => {
  it("splits a free-text answer into names by lines and semicolons, without placeholders or repeats", () => {
    expect(splitPartyNames("Nordic Secure AB\n  Baltic Freight Forwarding SIA ; unknown;\n\nN/A; nordic secure ab; TBD")).toEqual(["Nordic Secure AB", "Baltic Freight Forwarding SIA"]);
    expect(splitPartyNames("unknown")).toEqual([]);
  });

  it("takes every party question in force, with the country question next to it", () => {
    const loaded = loadRuleSetSync("rules");
    if (!loaded.ok) throw new Error("the shipped rules do not load");
    const parties = partiesFromAnswers(loaded.ruleSet, {
      destination: "AE",
      end_user_name: "Example Tekhnologii",
      intermediaries_involved: "yes",
      intermediary_roles: ["distributor"],
      intermediaries_names: "Nordic Secure AB\nBlenmark Optics",
      consignee_name: "Baltic Freight Forwarding SIA",
      consignee_country: "LV",
    });
    expect(parties).toEqual([
      { questionId: "end_user_name", name: "Example Tekhnologii", country: "AE" },
      { questionId: "intermediaries_names", name: "Nordic Secure AB" },
      { questionId: "intermediaries_names", name: "Blenmark Optics" },
      { questionId: "consignee_name", name: "Baltic Freight Forwarding SIA", country: "LV" },
    ]);
    // a page not in force is not screened
    expect(partiesFromAnswers(loaded.ruleSet, { intermediaries_involved: "no", intermediaries_names: "Blenmark Optics" })).toEqual([]);
  });

  it("takes a party's country from the question its `party_country` names, wherever it stands", () => {
    const loaded = loadRuleSetSync("rules");
    if (!loaded.ok) throw new Error("the shipped rules do not load");
    const rs = loaded.ruleSet;
    const pages = rs.questionnaire.pages.map((p) => ({
      ...p,
      questions: p.questions.map((q) => (q.id === "intermediaries_names" ? { ...q, party_country: "destination" } : q)),
    }));
    const parties = partiesFromAnswers({ ...rs, questionnaire: { ...rs.questionnaire, pages } }, {
      destination: "AE",
      end_user_name: "x",
      intermediaries_involved: "yes",
      intermediary_roles: ["distributor"],
      intermediaries_names: "Nordic Secure AB",
    });
    expect(parties.find((p) => p.questionId === "intermediaries_names")?.country).toBe("AE");
  });
});

describe("partyMatchState", () => {
  const match = (over: Partial<PartyMatch> = {}): PartyMatch => ({
    questionId: "end_user_name",
    partyName: "Example Tekhnologii",
    normalisedName: "eksample technologi",
    listedName: "Example Tekhnologii OOO",
    entryId: "ex-el-0001",
    entryHash: "a".repeat(64),
    source: "Entity List (EL) - Bureau of Industry and Security",
    programs: [],
    score: 1,
    nameScore: 1,
    countryAgrees: false,
    ...over,
  });
  const resolution = (outcome: "confirmed" | "not_same_party", over: { entryHash?: string; decidedAt?: Date } = {}) => ({
    normalisedName: "eksample technologi",
    entryId: "ex-el-0001",
    entryHash: over.entryHash ?? "a".repeat(64),
    outcome,
    decidedAt: over.decidedAt ?? new Date("2026-12-01T10:00:00Z"),
  });

  it("is potential while a match is unresolved, nothing once compliance says it is another party, confirmed when it is the same", () => {
    expect(partyMatchState([], [])).toBeUndefined();
    expect(partyMatchState([match()], [])).toBe("potential");
    expect(partyMatchState([match()], [resolution("not_same_party")])).toBeUndefined();
    expect(partyMatchState([match()], [resolution("confirmed")])).toBe("confirmed");
  });

  it("comes back as potential when the entry changed since it was resolved (another hash)", () => {
    expect(partyMatchState([match({ entryHash: "b".repeat(64) })], [resolution("not_same_party")])).toBe("potential");
  });

  it("follows the newest resolution of a match", () => {
    const older = resolution("confirmed", { decidedAt: new Date("2026-12-01T10:00:00Z") });
    const newer = resolution("not_same_party", { decidedAt: new Date("2026-12-02T10:00:00Z") });
    expect(partyMatchState([match()], [newer, older])).toBeUndefined();
  });
});
