import type { ReactNode } from "react";
import { ApiError, type Availability } from "../api.js";
import type { Loaded } from "./use-api.js";

export function Loading({ what }: { what?: string }) {
  return (
    <div className="state loading" role="status" data-state="loading">
      <span className="spinner" aria-hidden /> Loading{what ? ` ${what}` : ""}…
    </div>
  );
}

/** What to do about an error, by what the server answered (or that it did not). */
export function errorAdvice(status: number | undefined): string {
  if (status === undefined) return "The dashboard could not reach the API: check that `costwise serve` is running and reload this page.";
  if (status === 401) return "Sign in again with a valid API token (`costwise token create`).";
  if (status === 403) return "Your token is not allowed to see this: ask an admin for a token with this access, or use a page of your team.";
  if (status === 404) return "It does not exist (any more): go back and pick another.";
  if (status === 400 || status === 422) return "Correct what is listed above and try again.";
  if (status === 429) return "Too many requests: wait a moment and reload this page.";
  if (status >= 500) return "The server failed: reload this page; if it fails again, look up the request id in the server log.";
  return "Reload this page; if it fails again, look up the request id in the server log.";
}

export function ErrorState({ error }: { error: Error }) {
  const p = error instanceof ApiError ? error.problem : undefined;
  return (
    <div className="state error" role="alert" data-state="error">
      <strong>{p ? `${p.status} ${p.title}` : "Something went wrong"}</strong>
      <p>{error.message}</p>
      {p?.problems?.length ? (
        <ul>
          {p.problems.map((x, i) => (
            <li key={i}>{x.path ? `${x.path}: ${x.message}` : x.message}</li>
          ))}
        </ul>
      ) : null}
      <p data-testid="error-advice">{errorAdvice(p?.status)}</p>
      {p?.requestId ? <p className="muted">request id {p.requestId}</p> : null}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state empty" data-state="empty">
      <strong>{title}</strong>
      {children ? <div>{children}</div> : null}
    </div>
  );
}

/** The empty state of a page whose analysis has produced no data (yet): says which command does. */
export function Unavailable({ availability, what }: { availability: Availability; what: string }) {
  return (
    <Empty title={`No ${what} yet`}>
      <p>{availability.reason ?? "this analysis has no data in the store"}.</p>
      {availability.produceWith ? (
        <p>
          Produce it with <code>{availability.produceWith}</code>, then reload this page.
        </p>
      ) : null}
    </Empty>
  );
}

/** Renders loading / error, or the children with the data. */
export function Async<T>({ value, what, children }: { value: Loaded<T>; what?: string; children: (data: T) => ReactNode }) {
  if (value.state === "loading") return <Loading {...(what ? { what } : {})} />;
  if (value.state === "error") return <ErrorState error={value.error} />;
  return <>{children(value.data)}</>;
}

/**
 * An analysis' data: loading / error (as Async), then the Unavailable state (which command produces it) when the
 * analysis has no data, else the children. `missing` names the data in that state (default: `what`).
 */
export function WhenAvailable<T extends { availability: Availability }>({ value, what, missing, children }: { value: Loaded<T>; what: string; missing?: string; children: (data: T) => ReactNode }) {
  return (
    <Async value={value} what={what}>
      {(d) => (d.availability.available ? children(d) : <Unavailable availability={d.availability} what={missing ?? what} />)}
    </Async>
  );
}
