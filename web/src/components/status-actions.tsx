/** Accept / dismiss / done on a recommendation (a Savings Plan purchase is one too), then reload the page's data. */
import { useState } from "react";
import { api } from "../api.js";

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
