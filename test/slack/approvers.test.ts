// Who the approver directory hands to the approval policy, with user groups asked of the fake
// Web API through Slack's own client.
import { LogLevel, WebClient, type Logger as SlackLogger } from "@slack/web-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSlackApi, type FakeSlackApi } from "../../src/sandbox/slack-api.js";
import { approverDirectory } from "../../src/slack/approvers.js";

const quiet: SlackLogger = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} };

let fake: FakeSlackApi;
let client: WebClient;
const errors: string[] = [];
const log = { info() {}, warn() {}, error: (message: string) => void errors.push(message) };

beforeAll(async () => {
  fake = await startFakeSlackApi({ usergroups: { SAPPROVERS: ["UGROUPAPPROVER"], SHARDSTOP: ["UGROUPHARD"] } });
  client = new WebClient("xoxb-approvers-test", { slackApiUrl: fake.url, retryConfig: { retries: 0 }, logger: quiet });
});
afterAll(() => fake.close());

describe("approverDirectory", () => {
  it("without hard-stop approvers named, hands the policy approvers only (they approve hard stops too)", async () => {
    const directory = approverDirectory({ userIds: ["UAPPROVER"], usergroupId: "SAPPROVERS", hardStop: { userIds: [] }, client, log });
    expect(await directory.decider("UAPPROVER")).toEqual({ userId: "UAPPROVER", isApprover: true });
    expect(await directory.decider("UGROUPAPPROVER")).toEqual({ userId: "UGROUPAPPROVER", isApprover: true });
    expect(await directory.decider("UNOBODY")).toEqual({ userId: "UNOBODY", isApprover: false });
  });

  it("with hard-stop approvers named (ids and a user group), says who is one and who they are", async () => {
    const hardStop = { userIds: ["UHARD"], usergroupId: "SHARDSTOP" };
    const directory = approverDirectory({ userIds: ["UAPPROVER", "UHARD"], hardStop, client, log });
    const named = { userIds: ["UHARD"], usergroupId: "SHARDSTOP" };
    expect(await directory.decider("UHARD")).toEqual({ userId: "UHARD", isApprover: true, hardStop: { isApprover: true, approvers: named } });
    expect(await directory.decider("UGROUPHARD")).toEqual({ userId: "UGROUPHARD", isApprover: false, hardStop: { isApprover: true, approvers: named } });
    expect(await directory.decider("UAPPROVER")).toEqual({ userId: "UAPPROVER", isApprover: true, hardStop: { isApprover: false, approvers: named } });
    expect(await directory.isApprover("UGROUPHARD")).toBe(false);
    expect(await directory.isAnyApprover("UGROUPHARD")).toBe(true);
    expect(await directory.isAnyApprover("UNOBODY")).toBe(false);
  });

  it("denies, and logs, when the hard-stop user group cannot be listed", async () => {
    const directory = approverDirectory({ userIds: ["UAPPROVER"], hardStop: { userIds: [], usergroupId: "SGONE" }, client, log });
    expect(await directory.decider("UGROUPHARD")).toMatchObject({ isApprover: false, hardStop: { isApprover: false } });
    expect(errors).toContain("could not list hard-stop approver user group members");
  });
});
