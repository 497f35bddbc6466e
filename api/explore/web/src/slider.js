// The as-of slider: one step per month from FIRST_YEAR to this month, and a last step
// "any time" that asks without a date.
const FIRST_YEAR = 1990;

function months() {
  const now = new Date();
  const out = [];
  for (let y = FIRST_YEAR; y <= now.getUTCFullYear(); y++) {
    for (let m = 1; m <= 12; m++) {
      if (y === now.getUTCFullYear() && m > now.getUTCMonth() + 1) break;
      out.push(`${y}-${String(m).padStart(2, "0")}-01`);
    }
  }
  return out;
}

export function asOfSlider(input, label, onChange) {
  const dates = months();
  input.min = "0";
  input.max = String(dates.length);
  input.step = "1";
  const show = (exact) => {
    const i = Number(input.value);
    const date = exact || (i < dates.length ? dates[i] : null);
    label.value = date || "any time";
    label.textContent = date || "any time";
    input.setAttribute("aria-valuetext", date || "any time");
    return date;
  };
  let timer;
  input.addEventListener("input", () => {
    const date = show();
    clearTimeout(timer);
    timer = setTimeout(() => onChange(date || undefined), 250);
  });
  return {
    set(date) {
      if (!date) input.value = String(dates.length);
      else {
        const month = `${date.slice(0, 7)}-01`;
        const i = dates.indexOf(month);
        input.value = String(i >= 0 ? i : dates.length);
      }
      show(date);
    },
  };
}
