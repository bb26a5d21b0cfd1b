/** Small SQL helpers for the optimize feature's statements. */
export const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;
