// The example app. Named functions so the stack traces (and the issue's
// culprit) read like a real app's.
function on(id, handler) {
  document.getElementById(id).addEventListener('click', handler);
}
function status(text) {
  document.getElementById('status').textContent = text;
}

function validateCart(cart) {
  if (!cart.items.length) throw new TypeError('Cart is empty: cannot check out');
}
function checkout() {
  validateCart({ items: [] });
}

on('throw-error', function onThrowClick() {
  // Thrown from a timer so it is uncaught by the click dispatch as well.
  setTimeout(checkout);
});
on('reject-promise', function () {
  Promise.reject(new RangeError('Payment provider timed out'));
});
on('broken-image', function () {
  const img = new Image();
  img.src = '/missing/product-photo.png?v=3';
  document.getElementById('app').appendChild(img);
});
on('broken-script', function () {
  const s = document.createElement('script');
  s.src = '/missing/analytics.js';
  document.head.appendChild(s);
});
on('long-task', function blockMainThread() {
  const end = performance.now() + 300;
  while (performance.now() < end) { /* busy */ }
  status('blocked for 300 ms');
});
on('white-screen', function () {
  // An SPA whose render crashed silently: the mount node is emptied, the route changed.
  history.pushState({}, '', '/examples/vanilla/blank' + location.search);
  document.getElementById('app').innerHTML = '';
  const banner = document.getElementById('banner');
  if (banner) banner.remove();
});
on('spa-navigate', function () {
  history.pushState({}, '', '/examples/vanilla/products/42' + location.search);
  status('navigated to /products/42');
});
on('fetch-data', function () {
  fetch('/examples/vanilla/data.json?token=s3cr3t&page=2').then((r) => status(`fetch: ${r.status}`));
});
on('xhr-data', function () {
  const xhr = new XMLHttpRequest();
  xhr.open('POST', '/examples/vanilla/missing-endpoint.json?api_key=abc');
  xhr.onloadend = () => status(`xhr: ${xhr.status}`);
  xhr.send('{}');
});
on('console-warn', function () {
  console.warn('Stock is low for item', 42);
});
on('capture-message', function () {
  Sightline.captureMessage('Customer reached the thank-you page', 'info');
});
on('capture-exception', function () {
  try {
    JSON.parse('{oops');
  } catch (e) {
    Sightline.captureException(e);
  }
});

// A late banner shifts the layout: the page load gets a non-zero CLS.
setTimeout(function () {
  const banner = document.createElement('div');
  banner.id = 'banner';
  banner.textContent = 'Free shipping this week!';
  document.body.insertBefore(banner, document.body.firstChild);
}, 300);
