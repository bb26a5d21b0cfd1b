import type { ReactNode } from "react";

export type PickerOption = string | { value: string | number; label: ReactNode };

/** A labelled <select> in a toolbar; picking an option calls `onPick` (pages put it in the URL). */
export function Picker({ label, value, options, onPick, testId }: { label: string; value: string | number; options: readonly PickerOption[]; onPick: (value: string) => void; testId: string }) {
  return (
    <label>
      {label}{" "}
      <select value={value} onChange={(e) => onPick(e.target.value)} data-testid={testId}>
        {options.map((o) =>
          typeof o === "string" ? (
            <option key={o}>{o}</option>
          ) : (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ),
        )}
      </select>
    </label>
  );
}
