import type { ReactNode } from "react";

/** A page: its heading, then its body. */
export function Page({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section>
      <header className="page-head">
        <h1>{title}</h1>
      </header>
      {children}
    </section>
  );
}

/** A white card; `scroll` for wide tables, `title` as its heading. */
export function Card({ title, scroll, testId, children }: { title?: ReactNode; scroll?: boolean; testId?: string; children: ReactNode }) {
  return (
    <div className={scroll ? "card scroll" : "card"} data-testid={testId}>
      {title !== undefined ? <h2>{title}</h2> : null}
      {children}
    </div>
  );
}
