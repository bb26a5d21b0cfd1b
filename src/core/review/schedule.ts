/**
 * When the monthly review goes out: on the 2nd working day (Monday–Friday, UTC calendar) of the month after the
 * month reviewed. The review job runs daily on the 1st–7th and sends once it is that day or later.
 */

/** The n-th working day (Mon–Fri) of a month YYYY-MM, as YYYY-MM-DD. */
export function nthWorkingDay(month: string, n: number): string {
  const d = new Date(`${month}-01T00:00:00Z`);
  let seen = 0;
  for (;;) {
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6) seen++;
    if (seen === n) return d.toISOString().slice(0, 10);
    d.setUTCDate(d.getUTCDate() + 1);
  }
}

/** The month reviewed when the job runs at `now`: the month before. */
export function monthReviewedAt(now: Date): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
}
