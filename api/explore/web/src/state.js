// The view's state lives in the address's fragment, so a view can be shared or bookmarked.
// Keys: v (entity|exposure|path), id, x (expanded ids), policy, org, depth, from, to, len,
// asof (YYYY-MM-DD), hide (hidden relation types), sel (n:ID or e:ID), q (search text).

const LISTS = ["x", "hide"];

export function readState() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ""));
  const state = { v: "entity" };
  for (const [k, v] of params) state[k] = LISTS.includes(k) ? v.split(",").filter(Boolean) : v;
  for (const k of LISTS) state[k] = state[k] || [];
  return state;
}

export function writeState(state, { push = false } = {}) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(state)) {
    if (v === undefined || v === null || v === "") continue;
    if (Array.isArray(v)) {
      if (v.length) params.set(k, v.join(","));
    } else params.set(k, v);
  }
  const hash = "#" + params.toString();
  if (hash === location.hash) return;
  if (push) history.pushState(null, "", hash);
  else history.replaceState(null, "", hash);
}
