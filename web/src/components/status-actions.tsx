/**
 * Status actions, then reload the page's data: accept / dismiss / done on a recommendation (a Savings Plan purchase
 * is one too); acknowledge / expected / snooze on an anomaly (engine/detect/feedback.ts).
 */
import { useState } from "react";
import { api, type Anomaly } from "../api.js";

export type NextStatus = "accepted" | "dismissed" | "done";

/**
 * Order of operations: a dismissal asks why (cancel = nothing happens), the status goes to the API, then
 * `version` changes so the page's useApi key reloads; a failure is kept in `error` for the page to show.
 */
export function useStatusChange(dismissQuestion: string): { version: number; error: Error | null; setStatus: (id: number, status: NextStatus) => Promise<void> } {
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<Error | null>(null);
  const setStatus = async (id: number, status: NextStatus) => {
    let reason: string | undefined;
    if (status === "dismissed") {
      const r = window.prompt(dismissQuestion);
      if (!r) return;
      reason = r;
    }
    try {
      setError(null);
      await api(`/api/v1/recommendations/${id}/status`, { method: "POST", body: { status, ...(reason ? { reason } : {}) } });
      setVersion((v) => v + 1);
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    }
  };
  return { version, error, setStatus };
}

/** The buttons a recommendation's status allows: open → Accept / Dismiss, accepted → done. */
export function StatusButtons({ status, onSet, doneLabel }: { status: string; onSet: (status: NextStatus) => void; doneLabel: string }) {
  if (status === "open") {
    return (
      <>
        <button onClick={() => onSet("accepted")}>Accept</button> <button onClick={() => onSet("dismissed")}>Dismiss</button>
      </>
    );
  }
  if (status === "accepted") return <button onClick={() => onSet("done")}>{doneLabel}</button>;
  return null;
}

export type AnomalyAction = "ack" | "expected" | "snooze" | "unsnooze";

/** A week from today, as YYYY-MM-DD: the snooze prompt's default. */
function weekFromNow(): string {
  return new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Feedback on an anomaly. Order of operations: "expected" asks why and "snooze" asks until when (cancel or empty =
 * nothing happens), the action goes to the API (feedback on the anomaly; snooze on its monitor and series), then
 * `version` changes so the page's useApi key reloads; a failure is kept in `error` for the page to show.
 */
export function useAnomalyFeedback(): { version: number; error: Error | null; act: (a: Pick<Anomaly, "id" | "monitor" | "series_key">, action: AnomalyAction) => Promise<void> } {
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<Error | null>(null);
  const act = async (a: Pick<Anomaly, "id" | "monitor" | "series_key">, action: AnomalyAction) => {
    const snoozePath = `/api/v1/monitors/${encodeURIComponent(a.monitor)}/snooze`;
    let request: () => Promise<unknown>;
    switch (action) {
      case "ack":
        request = () => api(`/api/v1/anomalies/${a.id}/feedback`, { method: "POST", body: { action: "ack" } });
        break;
      case "expected": {
        const reason = window.prompt("Why was this cost expected? (its days leave the detector's baseline)");
        if (!reason?.trim()) return;
        request = () => api(`/api/v1/anomalies/${a.id}/feedback`, { method: "POST", body: { action: "expected", reason } });
        break;
      }
      case "snooze": {
        const until = window.prompt(`Snooze alerts of ${a.monitor} / ${a.series_key} until (YYYY-MM-DD, UTC)?`, weekFromNow());
        if (!until?.trim()) return;
        request = () => api(snoozePath, { method: "POST", body: { until: until.trim(), series: a.series_key } });
        break;
      }
      case "unsnooze":
        request = () => api(`${snoozePath}?series=${encodeURIComponent(a.series_key)}`, { method: "DELETE" });
        break;
    }
    try {
      setError(null);
      await request();
      setVersion((v) => v + 1);
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    }
  };
  return { version, error, act };
}

/** An anomaly's feedback and the actions it allows: Acknowledge, Expected…, Snooze… / Unsnooze. Clicks do not toggle the row. */
export function AnomalyFeedbackButtons({ anomaly, onAct }: { anomaly: Anomaly; onAct: (action: AnomalyAction) => void }) {
  const f = anomaly.feedback;
  const click = (action: AnomalyAction) => (e: { stopPropagation: () => void }) => {
    e.stopPropagation();
    onAct(action);
  };
  return (
    <span className="nowrap" data-testid="anomaly-feedback">
      {f.expected ? (
        <span className="small" title={f.expected.reason ?? ""}>
          expected ({f.expected.by}){" "}
        </span>
      ) : null}
      {f.acknowledged ? <span className="small">acknowledged ({f.acknowledged.by}) </span> : null}
      {f.snoozed_until ? <span className="small muted">snoozed until {f.snoozed_until.slice(0, 16).replace("T", " ")} </span> : null}
      {f.acknowledged ? null : (
        <button className="small" onClick={click("ack")}>
          Acknowledge
        </button>
      )}{" "}
      {f.expected ? null : (
        <button className="small" onClick={click("expected")}>
          Expected…
        </button>
      )}{" "}
      {f.snoozed_until ? (
        <button className="small" onClick={click("unsnooze")}>
          Unsnooze
        </button>
      ) : (
        <button className="small" onClick={click("snooze")}>
          Snooze…
        </button>
      )}
    </span>
  );
}
