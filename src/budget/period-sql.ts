/**
 * SQL for the period containing an instant, computed by Postgres from its time zone database:
 * `date_trunc(unit, instant, zone)` truncates in the budget's zone (weeks begin on Monday) and
 * handles daylight-saving days of 23 or 25 hours. `total` budgets have one period, from the epoch.
 *
 * `b` is the budgets alias, `now` an SQL expression for the instant.
 */
export const TOTAL_PERIOD_START = new Date(0);

export function periodStartSql(b: string, now: string): string {
  return `(case when ${b}.period = 'total' then timestamptz '1970-01-01 00:00:00+00' else date_trunc(${b}.period, ${now}, ${b}.tz) end)`;
}

export function periodEndSql(b: string, now: string): string {
  return `(case when ${b}.period = 'total' then null::timestamptz else ((date_trunc(${b}.period, ${now}, ${b}.tz) at time zone ${b}.tz) + ('1 ' || ${b}.period)::interval) at time zone ${b}.tz end)`;
}

/** The injected clock as a query parameter, or the database's own clock when none is injected. */
export function nowSql(param: string): string {
  return `coalesce(${param}::timestamptz, now())`;
}
