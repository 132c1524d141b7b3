// One check-in instrument as one short page: 0–10 sliders that start with no value, choices as
// native radios and checkboxes, "prefer not to answer" on every item, and show_if branching.

import { $, $$, html } from "../html.js";

const optionValue = (option) => option.value ?? option.key;

function holds(condition, value) {
  const wanted = "in" in condition && condition.in ? condition.in : [condition.equals];
  return wanted.some((v) => typeof v === typeof value && v === value);
}

function decline(t, id) {
  return html`<label class="choice"><input type="checkbox" data-decline id="${id}-decline">
    <span>${t("form.decline")}</span></label>`;
}

function rating(t, item, id) {
  const alt = item.alternative;
  return html`<div class="rating untouched" data-rating>
      <output class="rating-value" id="${id}-value" aria-hidden="true">–</output>
      <input type="range" min="0" max="10" step="1" value="5" id="${id}-range"
        aria-labelledby="${id}-legend" aria-describedby="${id}-ends ${id}-state"
        aria-valuetext="${t("form.not_answered")}">
      <div class="rating-ends" id="${id}-ends"><span>0: ${item.min_label}</span><span>10: ${item.max_label}</span></div>
      <p class="hint" id="${id}-state">${t("form.slider_hint")}</p>
    </div>
    ${alt ? html`<label class="choice"><input type="checkbox" data-alt value="${alt.key}"> <span>${alt.label}</span></label>` : ""}`;
}

function choices(t, item, id, type) {
  let options = item.options ?? [];
  if (item.type === "yes_no")
    options = [
      { value: true, label: t("form.yes") },
      { value: false, label: t("form.no") },
    ];
  return html`<div class="${options.length <= 2 ? "inline-choices" : ""}">${options.map(
    (option, i) => html`<label class="choice"><input type="${type}" name="${id}" value="${i}"
      ${option.exclusive ? html`data-exclusive` : ""}> <span>${option.label}</span></label>`,
  )}</div>`;
}

function control(t, item, id) {
  switch (item.type) {
    case "rating":
      return rating(t, item, id);
    case "multiple_choice":
      return choices(t, item, id, "checkbox");
    case "number":
      return html`<input type="number" inputmode="decimal" id="${id}-number" aria-labelledby="${id}-legend"
        ${item.min != null ? html`min="${item.min}"` : ""} ${item.max != null ? html`max="${item.max}"` : ""}>`;
    case "text":
      return html`<textarea id="${id}-text" aria-labelledby="${id}-legend"></textarea>`;
    default:
      return choices(t, item, id, "radio");
  }
}

export function questions(t, instrument, prefix = "q") {
  const how = instrument.items.some((item) => item.type === "rating")
    ? html`<p class="hint">${t("form.how")}</p>`
    : "";
  return [
    how,
    ...instrument.items.map((item) => {
      const id = `${prefix}-${item.id}`;
      return html`<fieldset class="question" data-item="${item.id}" id="${id}">
      <legend id="${id}-legend">${item.text}${item.required ? html` <span class="muted">${t("form.required")}</span>` : ""}</legend>
      ${item.help ? html`<p class="hint">${item.help}</p>` : ""}
      ${control(t, item, id)}
      ${decline(t, id)}
      <p class="error" role="alert" data-error></p>
    </fieldset>`;
    }),
  ];
}

function valueOf(item, box) {
  if ($("[data-decline]", box).checked) return { declined: true };
  if (item.type === "rating") {
    const alt = $("[data-alt]", box);
    if (alt?.checked) return { value: alt.value };
    const widget = $("[data-rating]", box);
    return widget.classList.contains("untouched")
      ? null
      : { value: Number($("input[type=range]", box).value) };
  }
  if (item.type === "number") {
    const raw = $("input[type=number]", box).value;
    return raw === "" ? null : { value: Number(raw) };
  }
  if (item.type === "text") {
    const text = $("textarea", box).value.trim();
    return text ? { value: text } : null;
  }
  const options = item.type === "yes_no" ? [{ value: true }, { value: false }] : item.options;
  const picked = $$("input:checked:not([data-decline])", box).map((input) =>
    optionValue(options[Number(input.value)]),
  );
  if (!picked.length) return null;
  return { value: item.type === "multiple_choice" ? picked : picked[0] };
}

function markTouched(input, t) {
  const widget = input.closest("[data-rating]");
  widget.classList.remove("untouched");
  widget.querySelector("output").textContent = input.value;
  input.setAttribute("aria-valuetext", input.value);
  widget.querySelector(".hint").textContent = t("form.slider_chosen", { n: input.value });
}

// Wire a rendered instrument; returns its answers on demand.
export function attach(form, instrument, t, context = {}) {
  const boxes = Object.fromEntries(
    instrument.items.map((item) => [item.id, $(`[data-item="${item.id}"]`, form)]),
  );
  function answersNow() {
    const values = {};
    const answers = [];
    for (const item of instrument.items) {
      const box = boxes[item.id];
      const condition = item.show_if;
      const shown =
        !condition ||
        (condition.item
          ? condition.item in values && holds(condition, values[condition.item])
          : holds(condition, context[condition.context]));
      box.hidden = !shown;
      if (!shown) continue;
      const answer = valueOf(item, box);
      values[item.id] = answer && !answer.declined ? answer.value : undefined;
      if (answer)
        answers.push({
          item_id: item.id,
          value: answer.declined ? null : answer.value,
          declined: Boolean(answer.declined),
        });
    }
    return answers;
  }
  form.addEventListener("input", (event) => onInput(event, t));
  form.addEventListener("pointerup", (event) => {
    if (event.target.matches?.("input[type=range]")) markTouched(event.target, t);
  });
  form.addEventListener("change", answersNow);
  form.addEventListener("input", answersNow);
  answersNow();
  return {
    answers: answersNow,
    // The first required item left empty, marked for her; null when all is well.
    missing() {
      const given = new Set(answersNow().map((a) => a.item_id));
      const empty = instrument.items.find(
        (item) => item.required && !boxes[item.id].hidden && !given.has(item.id),
      );
      for (const item of instrument.items)
        $("[data-error]", boxes[item.id]).textContent =
          item === empty ? t("form.required_error") : "";
      return empty ? boxes[empty.id] : null;
    },
  };
}

function onInput(event, t) {
  const input = event.target;
  const box = input.closest("fieldset");
  if (input.matches("input[type=range]")) markTouched(input, t);
  if (input.matches("[data-decline]")) {
    for (const other of $$("input, textarea", box))
      if (other !== input) other.disabled = input.checked;
  }
  if (input.matches("[data-alt]")) $("input[type=range]", box).disabled = input.checked;
  if (input.type === "checkbox" && input.name && input.checked) {
    const exclusive = input.hasAttribute("data-exclusive");
    for (const other of $$(`input[name="${input.name}"]`, box)) {
      if (other !== input && (exclusive || other.hasAttribute("data-exclusive")))
        other.checked = false;
    }
  }
}
