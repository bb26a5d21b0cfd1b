/** Zod schemas shared by routes: they validate, type and document (OpenAPI) the API. */
import { z } from "zod";

export const money = z.string().regex(/^-?\d+(\.\d+)?$/).describe("exact decimal amount as a string (DECIMAL(38,10) in the store)");
export const nullableMoney = money.nullable();

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    code: z.string(),
    requestId: z.string().optional(),
    problems: z.array(z.unknown()).optional(),
  })
  .describe("RFC 9457 problem details (application/problem+json)");

/** Error responses every API route may give. */
export const errorResponses = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  500: problemSchema,
} as const;

/** What a feature page needs to know when its data does not exist yet. */
export const availabilitySchema = z.object({
  available: z.boolean(),
  feature: z.string(),
  /** Why it is unavailable, for a person. */
  reason: z.string().optional(),
  /** The command that produces the data. */
  produceWith: z.string().optional(),
});
export type Availability = z.infer<typeof availabilitySchema>;
