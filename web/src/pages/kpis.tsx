/** The KPI scorecard: one tile per KPI, dimmed when its data is missing. */
import { api, type Kpis } from "../api.js";
import { Page } from "../components/page.js";
import { Async } from "../components/states.js";
import { Tile, Tiles } from "../components/tiles.js";
import { useApi } from "../components/use-api.js";
import { money, number } from "../format.js";

type Kpi = Kpis["kpis"][number];

/** A KPI's value in its unit: a percentage, an amount (unit = currency code), a count, or a number with its unit. */
function kpiValue(x: Kpi): string {
  if (x.value === null) return "–";
  if (x.unit === "%") return `${x.value}%`;
  if (/^[A-Z]{3}$/.test(x.unit)) return money(x.value, x.unit);
  if (x.unit === "count") return number(x.value);
  return `${number(x.value, (x.value.split(".")[1] ?? "").length)} ${x.unit}`;
}

export function KpisPage() {
  const data = useApi(() => api<Kpis>("/api/v1/kpis"), "kpis");
  return (
    <Page title="KPI scorecard">
      <Async value={data} what="KPIs">
        {(k) => (
          <Tiles wrap testId="kpis">
            {k.kpis.map((x) => (
              <Tile key={x.id} off={!x.available} testId={`kpi-${x.id}`} label={x.title} value={kpiValue(x)} valueAttrs={{ "data-value": x.value ?? "" }} sub={x.detail} />
            ))}
          </Tiles>
        )}
      </Async>
    </Page>
  );
}
