import { useEffect, useRef } from "react";
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import type { EChartsOption } from "echarts";

// only what the dashboard draws: keeps the bundle (and the first load) small
echarts.use([BarChart, LineChart, GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent, TooltipComponent, CanvasRenderer]);

/** An ECharts chart that follows its options and its container's size. */
/**
 * `attrs` (data-* attributes) ride on the chart's element: what the chart draws, for tests and readers of the DOM
 * (e.g. data-complete-through, the last day its solid series reach).
 */
export function Chart({ option, height = 300, testId, attrs }: { option: EChartsOption; height?: number; testId?: string; attrs?: Record<`data-${string}`, string> }) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  useEffect(() => {
    if (!ref.current) return;
    const c = echarts.init(ref.current, undefined, { renderer: "canvas" });
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(ref.current);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);
  return <div className="chart" ref={ref} style={{ height }} data-testid={testId} {...attrs} />;
}

export const PALETTE = ["#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d", "#ea580c", "#475569"];

/** The shading of days still arriving (after the last complete day), on a time axis: from `from` to `to` (ISO days). */
export function arrivingArea(from: string, to: string): { silent: boolean; itemStyle: { color: string }; label: { show: boolean; position: "insideTop"; formatter: string; color: string; fontSize: number }; data: [[{ xAxis: string }, { xAxis: string }]] } {
  return {
    silent: true,
    itemStyle: { color: "rgba(100,116,139,0.14)" },
    label: { show: true, position: "insideTop", formatter: "still arriving", color: "#475569", fontSize: 11 },
    data: [[{ xAxis: from }, { xAxis: to }]],
  };
}
