/**
 * The dashboard's fixed reads, computed once in the background after start (their answers are cached per data
 * version), so the first visitor does not wait. The warm-up's in-process requests (app.inject, never on the
 * network) carry a random per-process secret, never stored or sent anywhere; they are served as an unscoped
 * viewer.
 */
import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";

export const WARM_PATHS = [
  "/api/v1/sources",
  "/api/v1/overview",
  "/api/v1/costs/dimensions",
  "/api/v1/features",
  "/api/v1/tag-coverage",
  "/api/v1/kpis",
  "/api/v1/showback",
  "/api/v1/anomalies",
  "/api/v1/recommendations",
  "/api/v1/governance/findings",
  "/api/v1/commitments",
  "/api/v1/unit-costs",
];

export interface WarmUp {
  /** Whether a request is one of the warm-up's own. */
  isWarmUp(req: FastifyRequest): boolean;
  /** Requests every fixed read in turn (stops when `stopped()` says so), then calls `done`. */
  run(app: FastifyInstance, stopped: () => boolean, done: () => void): Promise<void>;
}

export function warmUp(): WarmUp {
  const secret = randomBytes(32).toString("base64url");
  return {
    isWarmUp: (req) => req.headers.authorization === `Bearer ${secret}` && req.headers["x-costwise-warmup"] === "1",
    run: async (app, stopped, done) => {
      for (const url of WARM_PATHS) {
        if (stopped()) return;
        await app.inject({ method: "GET", url, headers: { authorization: `Bearer ${secret}`, "x-costwise-warmup": "1" } }).catch(() => undefined);
      }
      done();
    },
  };
}
