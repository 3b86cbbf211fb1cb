// Building DOM from data. Text always goes in as text nodes, never as HTML: run messages and Glue errors are
// data from outside and must not become markup.

const SVG = 'http://www.w3.org/2000/svg';

function build(element, attributes, children) {
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'dataset') {
      Object.assign(element.dataset, value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) {
      continue;
    }
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** An HTML element: h('a', { href }, 'text', otherNode, [more]). */
export function h(tag, attributes, ...children) {
  return build(document.createElement(tag), attributes, children);
}

/** An SVG element, same shape as h(). */
export function svg(tag, attributes, ...children) {
  return build(document.createElementNS(SVG, tag), attributes, children);
}

/**
 * Replaces a container's content, keeping keyboard focus on the element with the same data-focus-key, so a live
 * refresh never throws a keyboard user back to the top of the page.
 */
export function swap(container, ...children) {
  const focused = document.activeElement;
  const key = container.contains(focused) ? focused.closest('[data-focus-key]')?.dataset.focusKey : undefined;
  container.replaceChildren(...children.flat(Infinity).filter(c => c !== undefined && c !== null && c !== false));
  if (key !== undefined) {
    container.querySelector(`[data-focus-key="${CSS.escape(key)}"]`)?.focus({ preventScroll: true });
  }
}
