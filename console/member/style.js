/**
 * The stylesheet of <loyalty-member> (../member.js), themable with the --loyalty-* custom
 * properties documented there. One constructed stylesheet shared by every instance of the
 * widget (adoptedStyleSheets: a shop's strict style-src allows it, unlike a <style> element).
 * Dependency-free, like the widget: it is imported cross-origin by shop pages.
 */

const STYLE = `
:host {
  display: block;
  font-family: var(--loyalty-font, system-ui, -apple-system, "Segoe UI", Roboto, "PingFang SC", "Noto Sans CJK SC", sans-serif);
  color: var(--loyalty-fg, #1f2330);
  background: var(--loyalty-bg, #ffffff);
  border-radius: var(--loyalty-radius, 14px);
  line-height: 1.45;
  font-size: 15px;
}
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
.root { padding: 20px; }
h2 { font-size: 1.25rem; margin: 0 0 14px; }
h3 { font-size: .8rem; text-transform: uppercase; letter-spacing: .06em; margin: 0 0 6px;
     color: var(--loyalty-muted, #5b6070); font-weight: 650; }
h4, h5 { font-size: 1rem; margin: 0; }
/* The coupon section's two lists: headed like the panels' h3, items named by h5. */
section.sub { margin-top: 12px; }
section.sub > h4 { font-size: .8rem; font-weight: 650; margin: 0 0 6px; color: var(--loyalty-muted, #5b6070); }
p { margin: 0; }
.muted { color: var(--loyalty-muted, #5b6070); font-size: .875rem; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin-bottom: 14px; }
.tile, .panel {
  border: 1px solid color-mix(in srgb, var(--loyalty-fg, #1f2330) 12%, transparent);
  border-radius: var(--loyalty-radius, 14px);
  padding: 14px 16px;
}
.figure { font-size: 1.6rem; font-weight: 700; font-variant-numeric: tabular-nums; letter-spacing: -.01em; }
.panel { margin-bottom: 14px; }
.level-name { font-size: 1.15rem; font-weight: 700; }
progress {
  display: block; width: 100%; height: 8px; margin: 10px 0 6px; border: 0; border-radius: 99px;
  accent-color: var(--loyalty-accent, #6d28d9); overflow: hidden;
  appearance: none; -webkit-appearance: none;
  background: color-mix(in srgb, var(--loyalty-accent, #6d28d9) 14%, transparent);
}
progress::-webkit-progress-bar { background: color-mix(in srgb, var(--loyalty-accent, #6d28d9) 14%, transparent); border-radius: 99px; }
progress::-webkit-progress-value { background: var(--loyalty-accent, #6d28d9); border-radius: 99px; }
progress::-moz-progress-bar { background: var(--loyalty-accent, #6d28d9); border-radius: 99px; }
.offer {
  border: 2px solid var(--loyalty-accent, #6d28d9);
  background: color-mix(in srgb, var(--loyalty-accent, #6d28d9) 7%, var(--loyalty-bg, #ffffff));
}
.offer h3 { color: var(--loyalty-accent, #6d28d9); }
ul.cards { list-style: none; margin: 0; padding: 0; display: grid; gap: 10px; }
ul.cards > li { border-top: 1px solid color-mix(in srgb, var(--loyalty-fg, #1f2330) 10%, transparent); padding-top: 10px; }
ul.cards > li:first-child { border-top: 0; padding-top: 0; }
article { display: grid; grid-template-columns: 1fr auto; gap: 4px 14px; align-items: start; }
article > .body { display: grid; gap: 3px; min-width: 0; }
article > .actions { display: flex; flex-direction: column; align-items: flex-end; gap: 6px; }
.price { font-weight: 700; font-variant-numeric: tabular-nums; }
ul.chips { list-style: none; margin: 2px 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: 6px; }
ul.chips li {
  font-size: .78rem; padding: 2px 8px; border-radius: 99px;
  background: color-mix(in srgb, var(--loyalty-accent, #6d28d9) 10%, transparent);
  color: var(--loyalty-fg, #1f2330);
}
button {
  font: inherit; font-weight: 650; cursor: pointer;
  padding: 7px 18px; border-radius: calc(var(--loyalty-radius, 14px) * .6); border: 1px solid var(--loyalty-accent, #6d28d9);
  background: var(--loyalty-accent, #6d28d9); color: #fff; white-space: nowrap;
}
button.secondary { background: transparent; color: var(--loyalty-accent, #6d28d9); }
button:hover { filter: brightness(1.08); }
button:focus-visible, input:focus-visible { outline: 3px solid color-mix(in srgb, var(--loyalty-accent, #6d28d9) 45%, transparent); outline-offset: 2px; }
button[disabled] { opacity: .6; cursor: progress; }
.badge { font-size: .8rem; font-weight: 650; padding: 3px 10px; border-radius: 99px;
  color: var(--loyalty-muted, #5b6070); border: 1px solid currentColor; white-space: nowrap; }
.badge.expired { color: #a1271b; }
.alert { grid-column: 1 / -1; color: #a1271b; font-size: .875rem; display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
.state { display: grid; gap: 10px; justify-items: start; }
.state .alert { grid-column: auto; }
form.phone { grid-column: 1 / -1; display: flex; gap: 8px; align-items: end; flex-wrap: wrap; }
form.phone label { display: grid; gap: 3px; font-size: .85rem; }
input {
  font: inherit; padding: 6px 10px; border-radius: calc(var(--loyalty-radius, 14px) * .5);
  border: 1px solid color-mix(in srgb, var(--loyalty-fg, #1f2330) 35%, transparent);
  background: var(--loyalty-bg, #ffffff); color: var(--loyalty-fg, #1f2330);
}
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;

// Built on first use and shared: every <loyalty-member> adopts the same sheet.
let sheet = null;
export function styles() {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLE);
  }
  return sheet;
}
