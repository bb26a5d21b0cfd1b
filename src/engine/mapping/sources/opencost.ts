/**
 * OpenCost `/allocation` responses → FOCUS 1.2 (Kubernetes cost per cluster, namespace, controller, pod, container).
 *
 * The OpenCost connector (src/engine/connectors/opencost.ts) reads the JSON response in DuckDB and flattens it
 * into one row per allocation and cost component (components with a zero cost and zero adjustment are left out;
 * an allocation with no non-zero component keeps one `total` row), with these columns:
 *
 * | column                          | from the response                                                                  |
 * |---------------------------------|------------------------------------------------------------------------------------|
 * | oc_cluster                      | properties.cluster (or the configured cluster name)                                |
 * | oc_node, oc_namespace, oc_controller_kind, oc_controller, oc_pod, oc_container | properties.*; namespace `__idle__` on idle rows |
 * | oc_sub_account_type             | "Kubernetes Namespace" where there is a namespace                                  |
 * | oc_allocation                   | the allocation's name (its key when unnamed)                                       |
 * | oc_resource_name                | the last `/` segment of the name                                                   |
 * | oc_resource_type                | Kubernetes Idle / Unmounted Volume / Container / Pod / Controller / Namespace / Node / Cluster |
 * | oc_kind                         | idle (`__idle__`), unmounted (`__unmounted__`) or allocation                       |
 * | oc_component                    | cpu, gpu, ram, pv, network, loadBalancer, shared, external, or total               |
 * | oc_description                  | the component and allocation in words                                              |
 * | oc_list_cost                    | the component's cost before OpenCost's adjustment (cpuCost, ramCost, …)            |
 * | oc_cost                         | cost + adjustment (cpuCost + cpuCostAdjustment, …); the allocation's first non-zero component also carries totalCost − Σ(rounded parts), so an allocation's rows sum to its totalCost exactly |
 * | oc_quantity, oc_unit            | cpuCoreHours Core-Hours, gpuHours GPU-Hours, ram/pvByteHours ÷ 2^30 GiB-Hours, networkTransferBytes ÷ 2^30 GiB, else minutes ÷ 60 Hours |
 * | oc_window_start, oc_window_end  | the allocation set's window                                                        |
 * | oc_billing_period_start/end     | the calendar month of the window start                                             |
 * | oc_currency                     | the configured currency (OpenCost does not say; default USD)                       |
 * | oc_tags                         | properties.labels as `k8s:label:<name>`, properties.annotations as `k8s:annotation:<name>` |
 *
 * These rows split the cluster's node, disk and network spend, which the cloud bill also holds: they are for
 * allocating cluster spend to teams, not to be added to the cloud bill's total (filter on x_Source).
 */
import { KEY_COLUMN_CHECKS, type MappingExpr, type SourceColumn, type SourceMapping } from "../mapping.js";

const col = (column: string): MappingExpr => ({ op: "column", column });
const ts = (column: string): MappingExpr => ({ op: "timestamp", column });
const constant = (value: string): MappingExpr => ({ op: "constant", value });

/** The flattened columns and their types (the connector produces exactly these, typed). */
export const OPENCOST_COLUMNS: readonly SourceColumn[] = [
  { name: "oc_cluster", type: "string", required: true },
  { name: "oc_node", type: "string" },
  { name: "oc_namespace", type: "string" },
  { name: "oc_sub_account_type", type: "string" },
  { name: "oc_controller_kind", type: "string" },
  { name: "oc_controller", type: "string" },
  { name: "oc_pod", type: "string" },
  { name: "oc_container", type: "string" },
  { name: "oc_allocation", type: "string", required: true },
  { name: "oc_resource_name", type: "string" },
  { name: "oc_resource_type", type: "string" },
  { name: "oc_kind", type: "string", required: true },
  { name: "oc_component", type: "string", required: true },
  { name: "oc_description", type: "string" },
  { name: "oc_list_cost", type: "decimal", required: true },
  { name: "oc_cost", type: "decimal", required: true },
  { name: "oc_quantity", type: "decimal" },
  { name: "oc_unit", type: "string" },
  { name: "oc_window_start", type: "timestamp", required: true },
  { name: "oc_window_end", type: "timestamp", required: true },
  { name: "oc_billing_period_start", type: "timestamp", required: true },
  { name: "oc_billing_period_end", type: "timestamp", required: true },
  { name: "oc_currency", type: "string", required: true },
  { name: "oc_tags", type: "map" },
];

export const OPENCOST_MAPPING: SourceMapping = {
  id: "opencost",
  title: "OpenCost /allocation API response (Kubernetes; flattened by costwise opencost / sync)",
  fileKinds: ["json"],
  focusVersion: "1.2",
  columns: OPENCOST_COLUMNS,
  controlTotal: { sourceColumn: "oc_cost", target: "BilledCost" },
  checks: KEY_COLUMN_CHECKS,
  targets: {
    BilledCost: col("oc_cost"),
    EffectiveCost: col("oc_cost"),
    ContractedCost: col("oc_cost"),
    ListCost: col("oc_list_cost"),
    BillingCurrency: col("oc_currency"),
    BillingAccountId: col("oc_cluster"),
    BillingAccountName: col("oc_cluster"),
    BillingAccountType: constant("Kubernetes Cluster"),
    SubAccountId: col("oc_namespace"),
    SubAccountName: col("oc_namespace"),
    SubAccountType: col("oc_sub_account_type"),
    BillingPeriodStart: ts("oc_billing_period_start"),
    BillingPeriodEnd: ts("oc_billing_period_end"),
    ChargePeriodStart: ts("oc_window_start"),
    ChargePeriodEnd: ts("oc_window_end"),
    ChargeCategory: constant("Usage"),
    ChargeFrequency: constant("Usage-Based"),
    ChargeDescription: col("oc_description"),
    ProviderName: constant("Kubernetes"),
    ServiceProviderName: constant("Kubernetes"),
    HostProviderName: constant("Kubernetes"),
    PublisherName: constant("OpenCost"),
    InvoiceIssuerName: constant("OpenCost"),
    ServiceName: constant("Kubernetes"),
    ServiceCategory: constant("Compute"),
    ServiceSubcategory: constant("Containers"),
    ResourceId: col("oc_allocation"),
    ResourceName: col("oc_resource_name"),
    ResourceType: col("oc_resource_type"),
    PricingQuantity: col("oc_quantity"),
    PricingUnit: col("oc_unit"),
    ConsumedQuantity: col("oc_quantity"),
    ConsumedUnit: col("oc_unit"),
    PricingCategory: constant("Standard"),
    Tags: { op: "tagsMap", column: "oc_tags" },
    x_ChargeType: col("oc_kind"),
    x_UsageType: col("oc_component"),
    x_k8s_Cluster: col("oc_cluster"),
    x_k8s_Node: col("oc_node"),
    x_k8s_Namespace: col("oc_namespace"),
    x_k8s_ControllerKind: col("oc_controller_kind"),
    x_k8s_Controller: col("oc_controller"),
    x_k8s_Pod: col("oc_pod"),
    x_k8s_Container: col("oc_container"),
  },
};
