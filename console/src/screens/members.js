// #/members (003 会员管理): find a member by member number, phone or card number, and the
// members of the shop, newest registration first, filtered by level.
import { useState } from "preact/hooks";
import { get, seg, withQuery } from "../api.js";
import { dateTime } from "../format.js";
import { t } from "../i18n.js";
import { Field, Problem, html, useAction, useLoad, usePages } from "../ui.js";
import { PagedTable } from "../table.js";

// Profiles seen in the list or a search, kept in memory for this tab: the member's page
// shows them at once while it reads the profile (GET /admin/members/{id}).
const profiles = new Map();

export function rememberProfile(p) {
  if (p && p.member_id) profiles.set(p.member_id, p);
}

export function knownProfile(id) {
  return profiles.get(id) || null;
}

/** The lookups to try for what was typed: a phone, a member number, a card number. */
export function lookupsFor(input) {
  const typed = input.trim();
  if (!typed) return [];
  // Phones and card numbers are often typed with spaces or dashes.
  const q = /^\+?[\d\s-]+$/.test(typed) ? typed.replace(/[\s-]/g, "") : typed;
  if (q.startsWith("+")) return [["phone", q]];
  if (/^\d+$/.test(q)) {
    return q.length >= 7
      ? [["phone", `+${q}`], ["member_no", q], ["card_no", q]]
      : [["member_no", q], ["card_no", q]];
  }
  return [["member_no", q]];
}

/** The first member any lookup finds; null when none (404, or not a valid number of that kind). */
async function findMember(input) {
  for (const [kind, value] of lookupsFor(input)) {
    try {
      return await get(withQuery("/admin/members/lookup", { [kind]: value }));
    } catch (e) {
      if (e.status === 404 || e.status === 400 || e.status === 422) continue;
      throw e;
    }
  }
  return null;
}

function Search({ navigate }) {
  const [q, setQ] = useState("");
  const [missing, setMissing] = useState(null);
  const a = useAction();
  const submit = async (e) => {
    e.preventDefault();
    if (!q.trim()) return;
    setMissing(null);
    const found = await a.run(() => findMember(q));
    if (found) {
      rememberProfile(found);
      navigate(`/members/${seg(found.member_id)}`);
    } else if (found === null) setMissing(q.trim());
  };
  return html`<form role="search" onSubmit=${submit} class="members-search">
    <${Field} label=${t("members.search")} hint=${t("members.search_hint")}>
      <input type="search" value=${q} autocomplete="off" spellcheck="false"
        onInput=${(e) => setQ(e.currentTarget.value)} />
    <//>
    <button type="submit" aria-busy=${a.busy ? "true" : undefined} disabled=${a.busy}>${t("common.search")}</button>
    ${missing ? html`<p class="problem" role="alert">${t("members.not_found", { q: missing })}</p>` : null}
    <${Problem} error=${a.error} onRetry=${a.retry} />
  </form>`;
}

/** The ladder's levels; none when the shop has no ladder (404). */
async function readLevels() {
  try {
    const ladder = await get("/admin/levels");
    return [...(ladder?.levels || [])].sort((x, y) => (x.rank ?? 0) - (y.rank ?? 0));
  } catch (e) {
    if (e.status === 404) return [];
    throw e;
  }
}

export function Members({ navigate }) {
  const [level, setLevel] = useState("");
  const levels = useLoad(readLevels, []);
  const ladder = levels.data || [];
  const levelName = (id) => ladder.find((l) => l.level_id === id)?.name || id;
  const pages = usePages(
    (cursor) =>
      get(withQuery("/admin/members", { level_id: level, limit: 20, cursor })).then((page) => {
        (page.items || []).forEach(rememberProfile);
        return page;
      }),
    [level],
  );
  return html`<section class="members">
    <h1>${t("members.title")}</h1>
    <p class="lead">${t("members.intro")}</p>
    <article>
      <${Search} navigate=${navigate} />
    </article>
    <section aria-labelledby="members-list">
      <div class="row members-head">
        <h2 id="members-list">${t("members.list")}</h2>
        ${levels.error && levels.error.status !== 404
          ? html`<${Problem} error=${levels.error} onRetry=${levels.reload} />`
          : ladder.length
            ? html`<div class="members-filter">
                <${Field} label=${t("members.level_filter")}>
                  <select value=${level} onChange=${(e) => setLevel(e.currentTarget.value)}>
                    <option value="">${t("members.all_levels")}</option>
                    ${ladder.map((l) => html`<option value=${l.level_id}>${l.name || l.level_id}</option>`)}
                  </select>
                <//>
              </div>`
            : null}
      </div>
      <${PagedTable} pages=${pages} empty=${level ? t("members.empty_level") : t("members.empty")}
        cols=${[
          { label: t("members.col_member") },
          { label: t("members.col_member_no") },
          { label: t("members.col_phone") },
          { label: t("members.col_level") },
          { label: t("members.col_registered") },
        ]}
        row=${(m) => html`<tr>
          <td><a href=${`#/members/${seg(m.member_id)}`}>${m.name || m.member_id}</a>
            ${m.name ? html`<br /><small class="muted">${m.member_id}</small>` : null}</td>
          <td>${m.member_no || "—"}</td>
          <td>${m.phone || "—"}</td>
          <td>${m.level_id ? levelName(m.level_id) : "—"}</td>
          <td>${dateTime(m.registered_at)}</td>
        </tr>`}>
        ${pages.load.loading ? html`<p aria-busy="true">${t("common.loading")}</p>` : null}
      <//>
    </section>
  </section>`;
}
