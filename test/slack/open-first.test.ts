// open-first.ts: the placeholder opens before the work; the work then runs with no deadline
// (Slack has its acknowledgement and the modal is open), and its view replaces the placeholder.
import { describe, expect, it } from "vitest";
import { budgetLeftMs, runWithRequestBudget } from "../../src/services/request-budget.js";
import { CALLBACK } from "../../src/slack/ids.js";
import { openThenShow } from "../../src/slack/open-first.js";
import { fakeClient } from "./listeners/fakes.js";

const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
const page = { type: "modal" as const, title: { type: "plain_text" as const, text: "Page" }, blocks: [] };

describe("openThenShow", () => {
  it("opens the placeholder first, then shows what the work produced, hash-checked", async () => {
    const order: string[] = [];
    const api = fakeClient({ order });
    const outcome = await openThenShow(api.client, log, {
      triggerId: "t1",
      context: "test",
      produce: async () => {
        order.push("produce");
        return page;
      },
    });
    expect(outcome).toBe("shown");
    expect(order).toEqual(["views.open", "produce", "views.update"]);
    expect((api.callsTo("views.open")[0]?.view as { callback_id?: string }).callback_id).toBe(CALLBACK.loading);
    expect(api.callsTo("views.update")[0]).toMatchObject({ view_id: "V1", hash: "hash-1", view: page });
  });

  it("runs the work with no deadline, however long the request waited", async () => {
    let left = Number.NaN;
    await runWithRequestBudget({ receivedAt: Date.now() - 60_000, budgetMs: 2500 }, () =>
      openThenShow(fakeClient().client, log, {
        triggerId: "t1",
        context: "test",
        produce: async () => {
          left = budgetLeftMs();
          return page;
        },
      }),
    );
    expect(left).toBe(Number.POSITIVE_INFINITY);
  });

  it("does no work when Slack did not open the placeholder", async () => {
    let produced = false;
    const outcome = await openThenShow(fakeClient({ fail: ["views.open"] }).client, log, {
      triggerId: "t1",
      context: "test",
      produce: async () => {
        produced = true;
        return page;
      },
    });
    expect(outcome).toBe("not_opened");
    expect(produced).toBe(false);
  });

  it("pushes the placeholder on top of an open modal when asked", async () => {
    const api = fakeClient();
    await openThenShow(api.client, log, { triggerId: "t1", context: "test", push: true, produce: async () => page });
    expect(api.methods()).toEqual(["views.push", "views.update"]);
  });
});
