/** The console's stylesheet, served at `/console/console.css` (the pages' CSP allows only same-origin styles). */
export const stylesheet = `
:root {
  --ink: #1d2430; --muted: #5b6575; --line: #d9dee6; --paper: #ffffff; --canvas: #f4f6f9;
  --accent: #1f5fbf; --accent-ink: #ffffff; --good: #17703a; --bad: #b3261e; --warn: #8a5a00;
  --radius: 8px; font-size: 16px;
}
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); background: var(--canvas); line-height: 1.45; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible, select:focus-visible {
  outline: 3px solid #7aa7ff; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; }
.skip:focus { left: 8px; top: 8px; background: var(--paper); padding: 6px 10px; z-index: 10; }
header.bar { display: flex; align-items: center; gap: 24px; padding: 12px 24px; background: #182338; color: #fff; }
header.bar .brand { font-weight: 700; letter-spacing: .2px; }
header.bar nav { display: flex; gap: 16px; flex: 1; }
header.bar nav a { color: #dbe6ff; text-decoration: none; padding: 4px 2px; border-bottom: 2px solid transparent; }
header.bar nav a[aria-current="page"] { color: #fff; border-bottom-color: #7aa7ff; }
header.bar .who { display: flex; align-items: center; gap: 12px; color: #dbe6ff; font-size: .95rem; }
header.bar .who button { background: transparent; color: #fff; border: 1px solid #6f7f9f; border-radius: 6px; padding: 4px 10px; cursor: pointer; }
main { max-width: 1180px; margin: 24px auto; padding: 0 24px; }
h1 { font-size: 1.5rem; margin: 0 0 16px; }
h2 { font-size: 1.15rem; margin: 0 0 12px; }
.card { background: var(--paper); border: 1px solid var(--line); border-radius: var(--radius); padding: 20px; margin-bottom: 20px; }
.muted { color: var(--muted); }
.flash { border-radius: var(--radius); padding: 12px 16px; margin-bottom: 20px; border: 1px solid; }
.flash.ok { background: #e9f6ee; border-color: #9fd3b2; color: #0f4d28; }
.flash.error { background: #fcebea; border-color: #f0a9a4; color: #7a1a14; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 10px 12px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .85rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); font-weight: 600; }
tbody tr:hover { background: #f7f9fc; }
.tag { display: inline-block; border-radius: 999px; padding: 1px 10px; font-size: .85rem; border: 1px solid var(--line); background: #f1f4f8; }
.tag.good { background: #e9f6ee; border-color: #9fd3b2; color: var(--good); }
.tag.bad { background: #fcebea; border-color: #f0a9a4; color: var(--bad); }
.tag.warn { background: #fff5e0; border-color: #f0cf8a; color: var(--warn); }
.button, button { font: inherit; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: var(--accent-ink);
  padding: 8px 16px; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary { background: var(--paper); color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); }
label { font-weight: 600; display: block; margin-bottom: 4px; }
input[type=text], input[type=password], textarea, select { font: inherit; width: 100%; padding: 8px 10px; border: 1px solid #b8c0cc;
  border-radius: 6px; background: #fff; }
.field { margin-bottom: 14px; }
.signin { max-width: 380px; margin: 64px auto; }
.images { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 16px; }
figure { margin: 0; background: #0f1522; border-radius: var(--radius); overflow: hidden; }
figure img { display: block; width: 100%; height: 260px; object-fit: contain; background: #0f1522; }
figcaption { color: #e6ecf5; padding: 8px 12px; font-size: .9rem; }
.frames { display: grid; grid-template-columns: repeat(auto-fill, minmax(110px, 1fr)); gap: 8px; margin-top: 12px; }
.frames figure img { height: 130px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 6px 18px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.verdicts { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 12px; }
.verdicts button { display: flex; flex-direction: column; align-items: flex-start; min-width: 190px; }
.verdicts button small { opacity: .85; font-size: .8rem; }
.columns { display: grid; grid-template-columns: 3fr 2fr; gap: 20px; }
@media (max-width: 900px) { .columns { grid-template-columns: 1fr; } }
.inline-forms { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-end; }
.inline-forms form { display: flex; gap: 8px; align-items: center; }
caption { text-align: left; padding: 0 12px 8px; }
fieldset.plain { border: 0; padding: 0; margin: 0; }
.grow { flex: 1; }
label.check { font-weight: 400; display: flex; gap: 6px; align-items: center; margin: 0; }
h3 { font-size: 1rem; margin: 18px 0 10px; }
.nowrap { white-space: nowrap; }
`
