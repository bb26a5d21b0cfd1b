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
