/** The hand-made rates file and mixed-currency rows the fx tests share (totals computed by hand in the tests). */
/** ECB layout, newest first, N/A where no rate, trailing comma as in eurofxref-hist.csv. 2026-03-07 is a Saturday. */
export const RATES_CSV = `Date,USD,JPY,GBP,
2026-03-06,1.0900,N/A,0.8400,
2026-03-05,1.0850,161.20,0.8390,
2026-03-04,1.0820,160.50,N/A,
2026-03-03,1.0810,160.10,0.8370,
2026-03-02,1.0800,159.90,0.8360,
2026-02-27,1.0700,158.00,0.8350,
`;

export const MIXED_ROWS = `
INSERT INTO focus_costs ("ChargePeriodStart", "ProviderName", "ServiceName", "BillingCurrency", "BilledCost", "EffectiveCost", "BillingPeriodStart", "x_Source", "Tags") VALUES
  ('2026-03-02 10:00:00', 'AWS',   'Amazon EC2',       'USD', 100.00, 100.00, '2026-03-01', 'aws',   MAP {'team': 'a'}),
  ('2026-03-02 00:00:00', 'Azure', 'Virtual Machines', 'EUR',  50.00,  50.00, '2026-03-01', 'azure', map([]::VARCHAR[], []::VARCHAR[])),
  ('2026-03-07 12:00:00', 'Azure', 'Virtual Machines', 'EUR',  50.00,  50.00, '2026-03-01', 'azure', MAP {'team': 'b'}),
  ('2026-03-04 00:00:00', 'Azure', 'Storage',          'GBP',  10.00,  10.00, '2026-03-01', 'azure', NULL)
`;
