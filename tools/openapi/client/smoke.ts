// Calls every operation of the API through the generated TypeScript client against a live service and checks the
// answers by their declared types: run by the API tests (TypeScriptClientTests) against a Kestrel they start.
// Environment: MLC_BASE_URL, MLC_SCORER_KEY, MLC_ADMIN_KEY, MLC_MARKETING_KEY, MLC_SCORE_BODY (a JSON file: a
// ScoreRequest), MLC_CSV (a CSV file of customers' features).
import fs from "node:fs";
import { mlCustomerClient, nextCursor, type ScoreRequest, type Schemas } from "./mlcustomer-client.js";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

let passed = 0;
let failed = 0;
function check(what: string, ok: boolean, detail?: unknown): void {
  if (ok) passed++;
  else {
    failed++;
    console.error(`FAILED: ${what}`, detail ?? "");
  }
}

async function text(stream: ReadableStream<Uint8Array> | null | undefined): Promise<string> {
  return stream ? await new Response(stream).text() : "";
}

const base = env("MLC_BASE_URL");
const scorer = mlCustomerClient(base, env("MLC_SCORER_KEY"));
const admin = mlCustomerClient(base, env("MLC_ADMIN_KEY"));
const marketing = mlCustomerClient(base, env("MLC_MARKETING_KEY"));
const anonymous = mlCustomerClient(base);

// Health
const live = await anonymous.liveness();
check("GET /health/live is 200 Healthy", live.response.status === 200 && live.data === "Healthy", live.data);
const ready = await anonymous.readiness();
check("GET /health/ready is 200", ready.response.status === 200, ready.response.status);

// Model and segments
const model = await marketing.model();
check("GET /models gives the bundle's version", typeof model.data?.version === "string", model.error);
const segments = await scorer.segments();
check("GET /segments lists segments", Array.isArray(segments.data?.segments), segments.error);

// Scores: JSON and CSV (bytes in, a stream out)
const body = JSON.parse(fs.readFileSync(env("MLC_SCORE_BODY"), "utf8")) as ScoreRequest;
const scored = await scorer.score(body);
check("POST /scores scores every customer", scored.data?.customers.length === body.customers?.length, scored.error);
const first = scored.data?.customers[0];
check("a score has a probability in [0, 1] and a risk band from the enum",
  !!first && first.churnProbability >= 0 && first.churnProbability <= 1 && ["low", "medium", "high"].includes(first.riskBand), first);
const csvBytes = new Blob([fs.readFileSync(env("MLC_CSV"))], { type: "text/csv" });
const csv = await scorer.scoreCsv(csvBytes, false);
const csvLines = (await text(csv.data)).trim().split("\n");
const sentLines = (await csvBytes.text()).trim().split("\n");
check("POST /scores/csv streams one row per customer", csv.response.status === 200 && csvLines.length === sentLines.length, csvLines.length);
const refused = await marketing.score(body);
check("a marketing key is refused scoring with a typed 403 problem", refused.response.status === 403 && refused.error?.status === 403, refused.error);
const invalid = await scorer.score({ customers: [] });
const invalidProblem = invalid.error as Schemas["HttpValidationProblemDetails"] | undefined;
check("an empty request is a 400 naming customers", invalid.response.status === 400 && !!invalidProblem?.errors?.["customers"], invalid.error);

// A scoring run: 202 with Location, followed to the end
const started = await admin.startScoringRun("2025-06-30");
check("POST /scoring-runs is 202 with a Location", started.response.status === 202 && !!started.response.headers.get("Location"), started.error);
const runId = started.data?.id ?? "";
let status = started.data?.status;
for (let i = 0; i < 600 && status !== "succeeded" && status !== "failed"; i++) {
  await new Promise((resolve) => setTimeout(resolve, 200));
  status = (await marketing.scoringRun(runId)).data?.status;
}
check("the run succeeds", status === "succeeded", status);
const drift = await marketing.scoringRunDrift(runId);
check("GET /scoring-runs/{id}/drift lists features", Array.isArray(drift.data?.features), drift.error);

// Lists that page: follow the cursor until the last page
const runIds: string[] = [];
for (let cursor: string | undefined, page = 0; page < 100; page++) {
  const runs = await marketing.scoringRuns(1, cursor);
  runIds.push(...(runs.data ?? []).map((r) => r.id));
  const next = nextCursor(runs.response);
  if (!next) break;
  cursor = next;
}
check("GET /scoring-runs pages through every run once", runIds.includes(runId) && new Set(runIds).size === runIds.length, runIds);
const badCursor = await marketing.scoringRuns(5, "not-a-cursor");
const badCursorProblem = badCursor.error as Schemas["HttpValidationProblemDetails"] | undefined;
check("a bad cursor is a 400 naming it", badCursor.response.status === 400 && !!badCursorProblem?.errors?.["cursor"], badCursor.error);

// Stored views
const summary = await marketing.tiersSummary();
check("GET /tiers/summary counts customers", (summary.data?.customers ?? 0) > 0, summary.error);
const pareto = await marketing.pareto();
check("GET /tiers/pareto has a curve", (pareto.data?.curve.length ?? 0) > 0, pareto.error);
const whole = await marketing.retentionTargets({ budget: 5000, saveRate: 0.3 });
const paged: string[] = [];
for (let cursor: string | undefined, page = 0; page < 1000; page++) {
  const part = await marketing.retentionTargets({ budget: 5000, saveRate: 0.3, pageSize: 5, cursor });
  paged.push(...(part.data?.targets ?? []).map((t) => t.customerId));
  if (!part.data?.nextCursor) break;
  cursor = part.data.nextCursor;
}
check("GET /retention/targets pages concatenate to the whole list",
  JSON.stringify(paged) === JSON.stringify((whole.data?.targets ?? []).map((t) => t.customerId)) && paged.length > 0, { paged: paged.length, whole: whole.data?.customersChosen });
const targetsCsv = await marketing.retentionTargetsCsv({ budget: 5000, saveRate: 0.3 });
check("the target list comes as CSV", targetsCsv.response.status === 200 && (await text(targetsCsv.data)).trim().split("\n").length === paged.length + 1);
const someone = paged[0] ?? "";
const customer = await marketing.customer(someone);
check("GET /customers/{id} gives the stored decision", customer.data?.customerId === someone, customer.error);
const erased = await admin.eraseCustomer(someone);
check("DELETE /customers/{id} erases them", erased.response.status === 200, erased.error);
const gone = await marketing.customer(someone);
check("an erased customer is a typed 404 problem", gone.response.status === 404 && gone.error?.status === 404, gone.error);

// Reload and its audit
const reloaded = await admin.reloadModel(null);
check("POST /models/reload reloads the start bundle", typeof reloaded.data?.model.version === "string", reloaded.error);
const rolledBack = await admin.rollbackModel();
check("POST /models/rollback returns to the bundle before", rolledBack.data?.model.version === reloaded.data?.model.version, rolledBack.error);
const reloads = await admin.reloads(1);
check("GET /models/reloads pages with a Link", reloads.data?.length === 1 && nextCursor(reloads.response) !== null, reloads.error);
const notAdmin = await scorer.reloadModel(null);
check("a scorer key may not reload (403)", notAdmin.response.status === 403, notAdmin.error);

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
