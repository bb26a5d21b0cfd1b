/**
 * The KPI scorecard: one tile per KPI with its value, target and trend against the last stored day (the kpi job
 * keeps one value per day), dimmed when its data is missing. Every figure comes from /api/v1/kpis, which computes
 * through src/engine/kpi/ like `costwise kpi` (docs/kpis.md defines each KPI).
 */
import { api, type Kpis } from "../api.js";
import { Page } from "../components/page.js";
import { Async } from "../components/states.js";
import { Tile, Tiles } from "../components/tiles.js";
import { useApi } from "../components/use-api.js";
import { money, number } from "../format.js";

type Kpi = Kpis["kpis"][number];

/** A KPI's value in its unit: a percentage, seconds (minutes from two minutes on), a count, or an amount (scope = currency). */
function kpiValue(x: Pick<Kpi, "value" | "unit" | "scope">): string {
  if (x.value === null) return "–";
  switch (x.unit) {
    case "percent":
      return `${x.value}%`;
    case "seconds":
      return Number(x.value) >= 120 ? `${number(Number(x.value) / 60, 1)} min` : `${number(x.value)} s`;
    case "count":
      return number(x.value);
    case "money":
      return money(x.value, x.scope);
  }
}

function targetText(x: Kpi): string {
  if (!x.target) return "";
  const op = x.target.op === ">=" ? "≥" : x.target.op === "<=" ? "≤" : "<";
  return `target ${op} ${kpiValue({ value: String(x.target.value), unit: x.unit, scope: x.scope })}`;
}

const ARROW = { up: "↑", down: "↓", flat: "→" } as const;

function Trend({ x }: { x: Kpi }) {
  if (x.trend === null || x.previous === null) return <span className="muted" data-testid={`kpi-trend-${x.id}`} data-trend="">no earlier day yet</span>;
  const tone = x.improving === null ? "" : x.improving ? "change down" : "change up";
  return (
    <span className={tone} data-testid={`kpi-trend-${x.id}`} data-trend={x.trend}>
      {ARROW[x.trend]} from {kpiValue({ value: x.previous.value, unit: x.unit, scope: x.scope })} on {x.previous.day}
    </span>
  );
}

export function KpisPage() {
  const data = useApi(() => api<Kpis>("/api/v1/kpis"), "kpis");
  return (
    <Page title="KPI scorecard">
      <Async value={data} what="KPIs">
        {(k) => (
          <Tiles wrap testId="kpis">
            {k.kpis.map((x) => (
              <Tile
                key={x.id}
                off={!x.available}
                testId={`kpi-${x.id}`}
                label={<span title={x.formula}>{x.title}</span>}
                value={kpiValue(x)}
                valueAttrs={{ "data-value": x.value ?? "" }}
                sub={
                  <>
                    {x.target ? (
                      <div data-testid={`kpi-target-${x.id}`} data-met={x.meetsTarget === null ? "" : String(x.meetsTarget)} className={x.meetsTarget === false ? "change up" : x.meetsTarget ? "change down" : ""}>
                        {targetText(x)}
                        {x.meetsTarget === false ? " (missed)" : x.meetsTarget ? " (met)" : ""}
                      </div>
                    ) : null}
                    {x.available ? <Trend x={x} /> : null}
                    <div>{x.available ? x.scope : x.detail}</div>
                  </>
                }
              />
            ))}
          </Tiles>
        )}
      </Async>
    </Page>
  );
}
