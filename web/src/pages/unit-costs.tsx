/** Unit costs: cost per business unit (order, 1,000 searches…) per period, as a trend and a table. */
import type { EChartsOption } from "echarts";
import { api, type UnitCosts } from "../api.js";
import { Chart, PALETTE } from "../components/chart.js";
import { DataTable } from "../components/data-table.js";
import { Card, Page } from "../components/page.js";
import { Empty, WhenAvailable } from "../components/states.js";
import { useApi } from "../components/use-api.js";
import { number, toChartNumber, unitPrice } from "../format.js";

/** Units as stored ("1200.500"), shown with just the fraction digits they have ("1,200.5"). */
function units(s: string): string {
  return number(s.replace(/\.0+$/, ""), (s.split(".")[1] ?? "").replace(/0+$/, "").length);
}

export function UnitCostsPage() {
  const data = useApi(() => api<UnitCosts>("/api/v1/unit-costs"), "unit-costs");
  return (
    <Page title="Unit costs">
      <WhenAvailable value={data} what="unit costs">
        {(d) => {
          if (d.items.length === 0) return (
              <Empty title="No unit costs for the stored periods">Load business metric values for these periods with <code>costwise metrics ingest</code>, then run <code>costwise allocate</code>.</Empty>
            );
          const names = [...new Set(d.items.map((r) => r.name))];
          const periods = [...new Set(d.items.map((r) => r.period))].sort();
          const ucur = d.items.find((x) => x.currency)?.currency ?? "";
          const option: EChartsOption = {
            color: PALETTE,
            tooltip: { trigger: "axis", valueFormatter: (v) => unitPrice(String(v), ucur) },
            legend: { top: 0 },
            grid: { left: 70, right: 20, top: 30, bottom: 30 },
            // a time axis: a month without a unit cost is a gap
            xAxis: { type: "time", minInterval: 28 * 86_400_000 },
            yAxis: { type: "value", axisLabel: { formatter: (v: number) => unitPrice(String(v), ucur) } },
            series: names.map((n) => ({
              name: n,
              type: "line",
              connectNulls: false,
              data: periods.map((p) => {
                const r = d.items.find((x) => x.name === n && x.period === p && x.unitCost !== null);
                return [p.length === 7 ? `${p}-01` : p, r ? toChartNumber(r.unitCost) : null];
              }),
            })),
          };
          return (
            <>
              <Card>
                <Chart option={option} height={280} />
              </Card>
              <Card scroll>
                <DataTable
                  testId="unit-costs-table"
                  rows={d.items}
                  rowKey={(_, i) => i}
                  columns={[
                    { header: "Unit cost", cell: (r) => r.name },
                    { header: "Period", cell: (r) => r.period },
                    { header: "Service", cell: (r) => r.service || "–" },
                    { header: "Environment", cell: (r) => r.environment || "–" },
                    { header: "Cost", money: (r) => ({ amount: r.cost, currency: r.currency }) },
                    { header: "Units", num: true, cell: (r) => units(r.units) },
                    {
                      header: "Cost per unit",
                      num: true,
                      data: (r) => ({ "data-amount": r.unitCost ?? "" }),
                      // unit prices: a fixed number of significant digits ($0.3890, $0.3949), format.ts unitPrice
                      cell: (r) => (r.unitCost === null ? "–" : unitPrice(r.unitCost, r.currency)),
                    },
                  ]}
                />
              </Card>
            </>
          );
        }}
      </WhenAvailable>
    </Page>
  );
}
