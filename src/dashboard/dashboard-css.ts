// The dashboard's stylesheet, kept in a module so it ships with compiled JavaScript as well.
export const DASHBOARD_CSS = `:root { color-scheme: light; --fg: #1d232b; --muted: #66707c; --line: #dde2e8; --accent: #2f6fde; --bad: #c0392b; --warn: #b9770e; --ok: #1f9d74; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: #f6f7f9; }
header { background: #151a21; color: #fff; padding: 0 20px; display: flex; align-items: center; gap: 24px; }
header .brand { font-weight: 700; padding: 12px 0; }
header nav a { color: #c9d1db; text-decoration: none; padding: 14px 8px; display: inline-block; }
header nav a.active, header nav a:hover { color: #fff; border-bottom: 2px solid var(--accent); }
header .who { margin-left: auto; color: #c9d1db; font-size: 12px; }
header .who a, header .who button { color: #c9d1db; }
main { padding: 20px; max-width: 1200px; }
h1 { font-size: 20px; margin: 0 0 12px; }
h2 { font-size: 16px; margin: 24px 0 8px; }
table { border-collapse: collapse; background: #fff; border: 1px solid var(--line); margin-bottom: 8px; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: #eef1f4; font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.muted { color: var(--muted); }
.bad { color: var(--bad); font-weight: 600; }
.warn { color: var(--warn); font-weight: 600; }
.ok { color: var(--ok); font-weight: 600; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { background: #fff; border: 1px solid var(--line); padding: 12px 16px; min-width: 180px; }
.card .figure { font-size: 22px; font-weight: 600; }
.bar { height: 10px; background: #e6e9ee; position: relative; width: 220px; }
.bar .fill { position: absolute; left: 0; top: 0; bottom: 0; background: var(--accent); }
.bar .held { position: absolute; top: 0; bottom: 0; background: #9fbcf0; }
.bar .mark { position: absolute; top: -3px; bottom: -3px; width: 2px; background: var(--fg); }
pre.answer { background: #fff; border: 1px solid var(--line); padding: 12px; white-space: pre-wrap; word-break: break-word; max-width: 100%; }
form.inline { display: inline; }
button { font: inherit; padding: 4px 12px; border: 1px solid #aab3bf; background: #fff; cursor: pointer; }
button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
.notice { background: #fff8e1; border: 1px solid #f0d58c; padding: 8px 12px; margin: 8px 0; }
.error { background: #fdecea; border: 1px solid #f1a9a0; padding: 8px 12px; margin: 8px 0; }
.report { background: #fff; border: 1px solid var(--line); padding: 4px 20px 16px; }
.report img, img.chart { max-width: 100%; background: #fff; border: 1px solid var(--line); }
.filters a { margin-right: 10px; }
.filters a.active { font-weight: 700; }
label { margin-right: 10px; }
input, select { font: inherit; padding: 3px 6px; }
`;
