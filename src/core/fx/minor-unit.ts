/**
 * The minor unit of a currency (ISO 4217 exponent: USD 2, JPY 0, BHD 3): converted amounts are rounded to it only
 * for display. From the runtime's ICU data; 2 for a code it does not know.
 */
export function minorUnitDigits(currency: string): number {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}
