import { useEffect, useState } from "react";
import { ApiError } from "../api.js";

export type Loaded<T> = { state: "loading" } | { state: "error"; error: ApiError | Error } | { state: "ok"; data: T };

/** Runs `load` whenever `key` changes; the latest call wins. */
export function useApi<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [s, set] = useState<Loaded<T>>({ state: "loading" });
  useEffect(() => {
    let live = true;
    set({ state: "loading" });
    load().then(
      (data) => live && set({ state: "ok", data }),
      (error: unknown) => live && set({ state: "error", error: error instanceof Error ? error : new Error(String(error)) }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return s;
}
