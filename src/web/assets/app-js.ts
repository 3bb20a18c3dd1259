/**
 * The pages' only script, served as /assets/app.js (the Content-Security-Policy allows no other).
 * It keeps the cells of the service grid and the team page current over Server-Sent Events, and
 * builds everything with textContent: an error message written by a hostile server stays text.
 */
export const APP_JS = `'use strict';
(function () {
  var cells = document.querySelectorAll('[data-service-id]');
  if (cells.length === 0 || typeof EventSource === 'undefined') return;
  var byId = {};
  for (var i = 0; i < cells.length; i++) byId[cells[i].getAttribute('data-service-id')] = cells[i];
  var gen = document.body.getAttribute('data-generation') || '';
  var status = document.getElementById('live-status');

  function stateOf(c) {
    if (c.administratively_down) return ['admin-down', 'admin down'];
    if (c.up === null) return ['unknown', 'not scanned'];
    return c.up ? ['up', 'up'] : ['down', 'down'];
  }
  function timeOf(iso) {
    return iso ? iso.slice(11, 19) : '';
  }
  function setText(cell, selector, text) {
    var el = cell.querySelector(selector);
    if (el) el.textContent = text;
  }
  function update(c) {
    var cell = byId[String(c.id)];
    if (!cell) return;
    var state = stateOf(c);
    cell.classList.remove('up', 'down', 'unknown', 'admin-down');
    cell.classList.add(state[0]);
    setText(cell, '.state', state[1]);
    var spinner = cell.querySelector('.spinner');
    if (spinner) spinner.hidden = !c.in_progress;
    cell.setAttribute('data-in-progress', c.in_progress ? '1' : '0');
    setText(cell, '.last-scan', timeOf(c.last_scan_time));
    var time = cell.querySelector('.last-scan');
    if (time) time.setAttribute('datetime', c.last_scan_time || '');
    setText(cell, '.error', c.error === null ? (c.down_reason || '') : (c.stage ? c.stage + ': ' : '') + c.error);
  }

  var source = new EventSource('/events?generation=' + encodeURIComponent(gen));
  source.addEventListener('cells', function (event) {
    var list = JSON.parse(event.data);
    for (var i = 0; i < list.length; i++) update(list[i]);
  });
  source.addEventListener('open', function () {
    if (status) status.textContent = 'Live updates on.';
  });
  source.addEventListener('error', function () {
    if (status) status.textContent = 'Live updates reconnecting...';
  });
})();
`
