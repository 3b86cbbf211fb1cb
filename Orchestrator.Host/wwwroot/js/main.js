// The dashboard's entry point: routes between the home page and run pages without reloads, shares one tooltip
// for everything with a data-tip, and offers to forget the API key once one is kept.
import { onNavigate, navigate } from './router.js';
import { renderHome } from './home.js';
import { renderRunPage } from './run-page.js';
import { renderChangesPage } from './changes.js';
import { storedKey, forgetKey, promptForKey } from './api.js';
import { notify } from './notices.js';

const main = document.getElementById('main');
let page = null;

function route() {
  page?.abort();
  page = new AbortController();
  const path = location.pathname;
  if (path.startsWith('/runs/') && path.length > '/runs/'.length) {
    renderRunPage(main, decodeURIComponent(path.slice('/runs/'.length)), page.signal);
  } else if (path === '/changes') {
    renderChangesPage(main, page.signal);
  } else {
    renderHome(main, page.signal);
  }
}

function isDashboardLink(link, event) {
  return link && link.origin === location.origin && !link.target && !link.hasAttribute('download')
    && !event.ctrlKey && !event.metaKey && !event.shiftKey && !event.altKey && event.button === 0
    && (link.pathname === '/' || link.pathname === '/changes' || link.pathname.startsWith('/runs/'));
}

document.addEventListener('click', event => {
  const link = event.target.closest('a[href]');
  if (!isDashboardLink(link, event)) {
    return;
  }
  // Same page, other section: the browser scrolls to the fragment by itself.
  if (link.pathname === location.pathname && link.search === location.search && link.hash) {
    return;
  }
  event.preventDefault();
  hideTip();
  navigate(link.pathname + link.search + link.hash);
  if (!link.hash) {
    window.scrollTo(0, 0);
    main.focus({ preventScroll: true });
  }
});

window.addEventListener('popstate', route);
onNavigate(route);

// One tooltip element for the grid (hover and keyboard focus both show it).
const tip = document.getElementById('tooltip');

function showTip(target) {
  tip.textContent = target.dataset.tip;
  tip.hidden = false;
  const box = target.getBoundingClientRect();
  const width = tip.offsetWidth;
  const left = Math.min(window.scrollX + box.left, window.scrollX + document.documentElement.clientWidth - width - 8);
  tip.style.left = `${Math.max(8, left)}px`;
  tip.style.top = `${window.scrollY + box.bottom + 6}px`;
}

function hideTip() {
  tip.hidden = true;
}

for (const [type, show] of [['mouseover', true], ['focusin', true], ['mouseout', false], ['focusout', false]]) {
  document.addEventListener(type, event => {
    const target = event.target.closest?.('[data-tip]');
    if (target) {
      if (show) {
        showTip(target);
      } else {
        hideTip();
      }
    }
  });
}
document.addEventListener('keydown', event => {
  if (event.key === 'Escape') {
    hideTip();
  }
});

const forget = document.getElementById('forget-key');
const enter = document.getElementById('enter-key');
function showKeyState() {
  forget.hidden = !storedKey();
  if (storedKey()) {
    enter.hidden = true;
  }
}
enter.addEventListener('click', async () => {
  if (await promptForKey()) {
    route();
  }
});
forget.addEventListener('click', () => {
  forgetKey();
  notify('The API key was forgotten; you will be asked again when the host needs one.');
});
document.addEventListener('apikeychange', showKeyState);
showKeyState();

route();
