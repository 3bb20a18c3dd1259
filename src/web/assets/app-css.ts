/** The pages' style sheet, served as /assets/app.css (no inline styles: the CSP refuses them). */
export const APP_CSS = `
:root { --up: #1b7f3b; --down: #b3261e; --admin: #7a5b00; --muted: #666; --line: #ddd; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #111; background: #fafafa; }
header { background: #12263a; color: #fff; padding: .5rem 1rem; display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
header a { color: #fff; text-decoration: none; }
header .title { font-weight: bold; margin-right: 1rem; }
header .who { margin-left: auto; display: flex; gap: .5rem; align-items: center; }
header form { margin: 0; }
main { padding: 1rem; }
h1 { font-size: 1.3rem; margin: .2rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
table { border-collapse: collapse; background: #fff; }
th, td { border: 1px solid var(--line); padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.grid td.cell { min-width: 7rem; }
.cell .state { font-weight: bold; }
.cell.up .state, .up-text { color: var(--up); }
.cell.down .state, .down-text { color: var(--down); }
.cell.admin-down .state { color: var(--admin); }
.cell.unknown .state { color: var(--muted); }
.cell.up { background: #eef8f0; }
.cell.down { background: #fdeeee; }
.cell.admin-down { background: #fff6dc; }
.cell .last-scan { display: block; color: var(--muted); font-size: .85em; }
.cell .error, .error-text { display: block; color: var(--down); font-size: .85em; max-width: 22rem; overflow-wrap: anywhere; white-space: pre-wrap; }
.spinner { display: inline-block; width: .8em; height: .8em; margin-left: .3em; border: 2px solid #999; border-top-color: transparent; border-radius: 50%; animation: spin .8s linear infinite; vertical-align: -.1em; }
.spinner[hidden] { display: none; }
@keyframes spin { to { transform: rotate(360deg); } }
.muted { color: var(--muted); }
.live { font-size: .85em; color: var(--muted); }
pre.detail { white-space: pre-wrap; overflow-wrap: anywhere; max-height: 20rem; overflow: auto; background: #f4f4f4; padding: .5rem; margin: 0; max-width: 60rem; }
form.inline { display: inline-flex; gap: .25rem; margin: 0 .25rem .25rem 0; }
form.stack { display: grid; gap: .4rem; max-width: 24rem; background: #fff; padding: .75rem; border: 1px solid var(--line); }
input, select, button { font: inherit; }
.notice { background: #e8f1fb; border: 1px solid #b6d0ee; padding: .5rem .75rem; margin-bottom: 1rem; }
.problem { background: #fdeeee; border: 1px solid #f0b8b4; padding: .5rem .75rem; margin-bottom: 1rem; }
svg.chart { background: #fff; border: 1px solid var(--line); max-width: 100%; height: auto; }
svg.chart text { font-size: 11px; fill: #333; }
.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
.swatch { display: inline-block; width: .8em; height: .8em; margin-right: .3em; }
`
