// Shop set-up: the points program (003, 004), store credit (001) and stored value (003).
// Each screen loads its document (404: not set up yet, so a sensible empty one), edits it
// in structured fieldsets (the form kit, ../form.js) and PUTs the whole document back; the
// server's refusal is shown where the user pressed "Save". One file per program.
import { t } from "../i18n.js";
import { Loaded, html, useLoad } from "../ui.js";
import { loadDoc } from "../form.js";
import { PointsForm } from "./points.js";
import { CreditForm } from "./credit.js";
import { ValueForm } from "./value.js";

export function Program({ session, kind }) {
  const edit = session.can("manage");
  const load = useLoad(
    () => Promise.all([loadDoc(`/admin/programs/${kind}`), kind === "credit" ? null : loadDoc("/admin/levels")]),
    [kind],
  );
  const View = { points: PointsForm, credit: CreditForm, value: ValueForm }[kind];
  return html`<section class="setup">
    <h1>${t(`programs.${kind}.title`)}</h1>
    <p class="lead">${t(`programs.${kind}.intro`)}</p>
    <${Loaded} load=${load}>
      ${([doc, ladder]) => html`<${View} doc=${doc} ladder=${ladder} edit=${edit} kind=${kind} />`}
    <//>
  </section>`;
}

