// In-page navigation: links to dashboard pages change the URL without reloading, and reloads land on the same page.
let render = () => {};

export function onNavigate(handler) {
  render = handler;
}

export function navigate(path) {
  history.pushState(null, '', path);
  render();
}
