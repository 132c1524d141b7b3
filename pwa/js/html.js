// An escaping template tag in the Plain Vanilla style: data is always escaped, and only
// markup written in our own templates (or nested html`` results) reaches the DOM as markup.

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

class Safe {
  constructor(text) {
    this.text = text;
  }
  toString() {
    return this.text;
  }
}

function escape(value) {
  if (value instanceof Safe) return value.text;
  if (Array.isArray(value)) return value.map(escape).join("");
  if (value === null || value === undefined || value === false) return "";
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((value, i) => {
    out += escape(value) + strings[i + 1];
  });
  return new Safe(out);
}

// Replace an element's children with a template result.
export function render(target, safe) {
  const template = document.createElement("template");
  template.innerHTML = escape(safe);
  target.replaceChildren(template.content);
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

export function $$(selector, root = document) {
  return [...root.querySelectorAll(selector)];
}

// After a view changes in place (a form sent, the next stage of a practice): back to the top,
// with focus on the new heading so a screen reader says where she is.
export function focusTop(root) {
  scrollTo(0, 0);
  $("h1", root)?.focus({ preventScroll: true });
}
