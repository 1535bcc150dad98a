/**
 * The only script in report.html, and optional: the charts are complete SVG without it. It adds a
 * hover read-out (time and each worker's value under the pointer, read back from the polylines'
 * own coordinates, so no data is stored twice) and legend toggles that hide a worker's lines.
 * Plain ES2017 in a string: it runs in the reader's browser, not in Node.
 */
import { formatBytes, formatDuration, threeDigits } from '../../units.js';
import { formatValue } from './axis.js';

export const clientScript = String.raw`
(function () {
  'use strict';
  // The same formatting as the report's text: the functions themselves, as compiled.
  ${threeDigits}
  ${formatBytes}
  ${formatDuration}
  ${formatValue}

  var tip = document.createElement('div');
  tip.className = 'tip';
  tip.hidden = true;
  document.body.appendChild(tip);

  /** Each polyline's points as sorted pixel arrays, parsed once on first hover. */
  function seriesOf(svg) {
    if (svg._series) return svg._series;
    var list = [];
    var lines = svg.querySelectorAll('polyline.series');
    for (var i = 0; i < lines.length; i++) {
      var pts = lines[i].getAttribute('points').trim().split(/\s+/);
      var xs = new Float64Array(pts.length), ys = new Float64Array(pts.length);
      for (var j = 0; j < pts.length; j++) {
        var c = pts[j].split(',');
        xs[j] = +c[0];
        ys[j] = +c[1];
      }
      list.push({ el: lines[i], index: +lines[i].getAttribute('data-series'), xs: xs, ys: ys });
    }
    svg._series = list;
    return list;
  }

  function nearest(xs, x) {
    var lo = 0, hi = xs.length - 1;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (xs[mid] < x) lo = mid + 1; else hi = mid;
    }
    if (lo > 0 && Math.abs(xs[lo - 1] - x) < Math.abs(xs[lo] - x)) lo--;
    return lo;
  }

  function onMove(event) {
    var svg = event.currentTarget;
    var box = svg.getAttribute('data-box').split(',').map(Number);
    var range = svg.getAttribute('data-range').split(',').map(Number);
    var names = JSON.parse(svg.getAttribute('data-names'));
    var unit = svg.getAttribute('data-unit');
    var point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var p = point.matrixTransform(svg.getScreenCTM().inverse());
    if (p.x < box[0] || p.x > box[0] + box[2]) { tip.hidden = true; return; }
    var cross = svg.querySelector('line.cross');
    if (!cross) {
      cross = document.createElementNS('http://www.w3.org/2000/svg', 'line');
      cross.setAttribute('class', 'cross');
      cross.setAttribute('y1', box[1]);
      cross.setAttribute('y2', box[1] + box[3]);
      svg.appendChild(cross);
    }
    cross.setAttribute('x1', p.x);
    cross.setAttribute('x2', p.x);
    var best = {};
    var series = seriesOf(svg);
    for (var i = 0; i < series.length; i++) {
      var s = series[i];
      if (s.el.style.display === 'none' || s.xs.length === 0) continue;
      // A line answers where it is drawn (a worker's life), with its point nearest the pointer.
      if (p.x < s.xs[0] - 3 || p.x > s.xs[s.xs.length - 1] + 3) continue;
      var k = nearest(s.xs, p.x);
      var dx = Math.abs(s.xs[k] - p.x);
      if (!best[s.index] || dx < best[s.index].dx) best[s.index] = { dx: dx, y: s.ys[k] };
    }
    var rows = [formatDuration(Math.round(range[0] + ((p.x - box[0]) / box[2]) * (range[1] - range[0])))];
    Object.keys(best).forEach(function (index) {
      var v = range[3] - ((best[index].y - box[1]) / box[3]) * (range[3] - range[2]);
      rows.push(names[index] + ': ' + formatValue(v, unit));
    });
    tip.textContent = rows.join('\n');
    tip.hidden = false;
    tip.style.left = event.pageX + 14 + 'px';
    tip.style.top = event.pageY + 14 + 'px';
  }

  var charts = document.querySelectorAll('svg.chart');
  for (var i = 0; i < charts.length; i++) {
    charts[i].addEventListener('mousemove', onMove);
    charts[i].addEventListener('mouseleave', function () { tip.hidden = true; });
  }

  var toggles = document.querySelectorAll('button.legend-item');
  for (var t = 0; t < toggles.length; t++) {
    toggles[t].addEventListener('click', function (event) {
      var button = event.currentTarget;
      // aria-pressed: the worker's lines are shown.
      var shown = button.getAttribute('aria-pressed') === 'true';
      button.setAttribute('aria-pressed', shown ? 'false' : 'true');
      var section = button.closest('section');
      var marks = section.querySelectorAll('svg [data-series="' + button.getAttribute('data-series') + '"]');
      for (var m = 0; m < marks.length; m++) marks[m].style.display = shown ? 'none' : '';
    });
  }
  document.documentElement.setAttribute('data-ready', 'true');
})();
`;
